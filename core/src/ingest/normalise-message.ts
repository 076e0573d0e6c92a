import { cleanUrl, referrerHost } from '../privacy/clean-url';
import { sha256Hex, type IdHasher } from '../privacy/keyed-hash';
import { scrubJson } from '../privacy/scrub-value';
import { scrubText } from '../privacy/scrub-text';
import { reduceUserAgent } from '../privacy/user-agent';
import { SCHEMA_VERSION, type EventRow, type QualityFlag } from '../schema/event-columns';
import { MAX_DATE_MS, type SegmentMessage } from '../schema/segment-message';
import { deriveChannel } from './channel';
import { contactKeys, CONTACT_KEYS_PROPERTY } from './contact-keys';
import { extractCommerce } from './extract-commerce';

/** What the edge knows about the request a message came in. Nothing here is stored raw. */
export interface RequestFacts {
  receivedAt: number;
  /** sentAt of the batch envelope, used when a message has none of its own. */
  batchSentAt?: number | undefined;
  country: string | null;
  region: string | null;
  requestUserAgent: string | null;
  /** Cookieless mode only: a per-visitor seed (IP and agent) hashed with the daily salt when no anonymousId is sent. */
  visitorSeed?: string | null;
}

export interface NormaliseOptions {
  site: string;
  hasher: IdHasher;
  queryParams: readonly string[];
  /** Remove personal data from free text (always on at the edge). */
  scrub: boolean;
  maxFutureMs?: number;
  /**
   * The oldest time accepted (epoch ms, inclusive; the edge passes the start of the oldest day its horizon keeps):
   * an older message is rejected as `timestamp_too_old`. Unset: anything from 2000-01-01 on (files of past data).
   */
  oldestAccepted?: { ms: number; why: string };
  /**
   * The earliest time any message may carry (epoch ms). Default 2000-01-01, a plausibility floor for live traffic;
   * tables of past data (the command line's inputs) pass 1970-01-01.
   */
  earliestMs?: number;
  /** The site's country calling code for phone numbers written without one (privacy/pii-keys.ts IdentifierOptions). */
  phoneCountryCode?: string | undefined;
}

export type NormaliseResult = { ok: true; row: EventRow } | { ok: false; reason: string };

export const DEFAULT_MAX_FUTURE_MS = 60 * 60 * 1000;
const LATE_AFTER_MS = 24 * 60 * 60 * 1000;
const SKEW_TOLERANCE_MS = 1000;
const EARLIEST_VALID_TIME = Date.UTC(2000, 0, 1);
const PAGE_PROPERTY_KEYS = ['url', 'path', 'title', 'referrer', 'search'];

export async function normaliseMessage(
  message: SegmentMessage,
  facts: RequestFacts,
  options: NormaliseOptions,
): Promise<NormaliseResult> {
  const flags = new Set<QualityFlag>();
  const time = correctTimestamp(message, facts, options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS, options.oldestAccepted, flags, options.earliestMs ?? EARLIEST_VALID_TIME);
  if (!time.ok) return time;

  const anonymousSource = message.anonymousId ?? facts.visitorSeed ?? null;
  if (message.userId === undefined && anonymousSource === null) {
    return { ok: false, reason: 'missing_id: anonymousId or userId is required' };
  }
  if (message.type === 'alias' && message.userId === undefined) {
    return { ok: false, reason: 'missing_id: alias needs userId and previousId' };
  }

  const hash = (value: string | undefined | null) => (value == null || value === '' ? null : options.hasher.hashId(value));
  const text = (value: string | undefined | null): string | null => {
    if (value == null || value === '') return null;
    if (!options.scrub) return value;
    const scrubbed = scrubText(value);
    if (scrubbed.found.length) flags.add('pii_scrubbed');
    return scrubbed.text;
  };

  const context = message.context ?? {};
  const rawProperties: Record<string, unknown> = 'properties' in message && message.properties ? { ...message.properties } : {};
  const page = pageFields(message.type, rawProperties, context.page);
  const url = page.url ?? page.path;
  const cleaned = url ? cleanUrl(url, options.queryParams) : null;
  if (cleaned?.droppedParams) flags.add('query_params_dropped');
  if (cleaned?.found.length) flags.add('pii_scrubbed');
  const campaign = context.campaign ?? {};
  const utm = {
    source: cleaned?.utm.source ?? text(campaign.source),
    medium: cleaned?.utm.medium ?? text(campaign.medium),
    campaign: cleaned?.utm.campaign ?? text(campaign.name),
    term: cleaned?.utm.term ?? text(campaign.term),
    content: cleaned?.utm.content ?? text(campaign.content),
  };
  const referrer = page.referrer ? referrerHost(page.referrer) : null;

  const deviceAgent = context.userAgent || (facts.requestUserAgent?.includes('Mozilla/') ? facts.requestUserAgent : null);
  const device = deviceAgent ? reduceUserAgent(deviceAgent) : null;

  const commerce = extractCommerce(rawProperties, flags);
  for (const key of PAGE_PROPERTY_KEYS) if (message.type === 'page' || message.type === 'screen') delete rawProperties[key];
  const payload = message.type === 'identify' || message.type === 'group' ? { ...message.traits } : rawProperties;
  delete payload[CONTACT_KEYS_PROPERTY];
  const contactSources = message.type === 'identify' ? [payload] : message.type === 'group' || message.type === 'alias' ? [] : [payload, context.traits];
  const contacts = contactSources.length ? await contactKeys(contactSources, (v) => options.hasher.hashId(v), { phoneCountryCode: options.phoneCountryCode }) : null;
  const properties = await propertiesJson(payload, message.type === 'identify', options, flags, contacts);

  const [eventId, anonymousId, userId, previousId, groupId, sessionId] = await Promise.all([
    sha256Hex(`${options.site}\n${message.messageId ?? crypto.randomUUID()}`),
    hash(anonymousSource),
    hash(message.userId),
    hash(message.type === 'alias' ? message.previousId : null),
    hash(message.type === 'group' ? message.groupId : null),
    hash(context.sessionId === undefined ? null : String(context.sessionId)),
  ]);

  const row: EventRow = {
    event_id: eventId,
    timestamp: time.ms,
    received_at: facts.receivedAt,
    type: message.type,
    event: message.type === 'track' ? (text(message.event) ?? 'track') : message.type,
    name: message.type === 'page' || message.type === 'screen' ? text(message.name) : null,
    site: options.site,
    anonymous_id: anonymousId,
    user_id: userId,
    previous_id: previousId,
    group_id: groupId,
    session_id: sessionId,
    page_url: cleaned?.url ?? null,
    page_path: cleaned?.path ?? null,
    page_title: text(page.title),
    referrer_host: referrer,
    utm_source: utm.source,
    utm_medium: utm.medium,
    utm_campaign: utm.campaign,
    utm_term: utm.term,
    utm_content: utm.content,
    channel: deriveChannel({
      utmSource: utm.source,
      utmMedium: utm.medium,
      referrerHost: referrer,
      clickIds: cleaned?.clickIds ?? [],
      siteHost: cleaned?.host ?? null,
    }),
    ...location(context.location, facts, text),
    device_type: device ? device.deviceType : 'server',
    os: device?.os ?? null,
    browser: device?.browser ?? null,
    browser_version: device?.browserVersion ?? null,
    locale: text(context.locale)?.slice(0, 35) ?? null,
    library: text(context.library?.name)?.slice(0, 64) ?? null,
    product_id: text(commerce.productId),
    category: text(commerce.category),
    price: commerce.price,
    quantity: commerce.quantity,
    revenue: commerce.revenue,
    currency: commerce.currency,
    order_id: text(commerce.orderId),
    experiment: text(commerce.experiment),
    variant: text(commerce.variant),
    properties,
    quality_flags: [...flags].sort().join(','),
    schema_version: SCHEMA_VERSION,
  };
  return { ok: true, row };
}

/**
 * A server-side source knows where its user is better than the edge knows where the server is, so
 * an explicit Segment `context.location` (ISO country code) wins over Cloudflare's request data.
 */
function location(
  explicit: { country?: string; region?: string } | undefined,
  facts: RequestFacts,
  text: (value: string | undefined) => string | null,
): { country: string | null; region: string | null } {
  const code = explicit?.country?.trim();
  if (code && /^[A-Za-z]{2}$/.test(code)) {
    return { country: code.toUpperCase(), region: text(explicit?.region)?.slice(0, 64) ?? null };
  }
  return { country: facts.country, region: facts.region };
}

function correctTimestamp(
  message: SegmentMessage,
  facts: RequestFacts,
  maxFutureMs: number,
  oldestAccepted: NormaliseOptions['oldestAccepted'],
  flags: Set<QualityFlag>,
  earliestMs: number,
): { ok: true; ms: number } | { ok: false; reason: string } {
  const field = message.timestamp !== undefined ? 'timestamp' : 'originalTimestamp';
  const sent = message.timestamp ?? message.originalTimestamp;
  if (sent === undefined) {
    flags.add('timestamp_missing');
    return { ok: true, ms: facts.receivedAt };
  }
  let ms = sent;
  let named = field;
  const sentAt = message.sentAt ?? facts.batchSentAt;
  if (sentAt !== undefined) {
    const corrected = facts.receivedAt - (sentAt - sent);
    if (Math.abs(corrected - sent) > SKEW_TOLERANCE_MS) flags.add('clock_skew_corrected');
    ms = corrected;
    named = `${field} corrected by ${message.sentAt !== undefined ? 'sentAt' : "the batch's sentAt"}`;
  }
  if (ms > facts.receivedAt + maxFutureMs) {
    return { ok: false, reason: `timestamp_in_future: ${named} (${timeText(ms)}) is after receipt plus ${maxFutureMs / 60000} min` };
  }
  if (ms < earliestMs) return { ok: false, reason: `timestamp_too_old: ${named} (${timeText(ms)}) is before ${timeText(earliestMs).slice(0, 10)}` };
  if (oldestAccepted && ms < oldestAccepted.ms) {
    return { ok: false, reason: `timestamp_too_old: ${named} (${timeText(ms)}) is before ${timeText(oldestAccepted.ms)}, ${oldestAccepted.why}` };
  }
  if (ms < facts.receivedAt - LATE_AFTER_MS) flags.add('late');
  return { ok: true, ms: Math.round(ms) };
}

/** ISO 8601 where Date can hold the time; a sentAt correction can push two valid times past its ±8.64e15 ms. */
function timeText(ms: number): string {
  return Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : `${ms} ms since 1970`;
}

interface PageFields {
  url: string | null;
  path: string | null;
  title: string | null;
  referrer: string | null;
}

function pageFields(type: SegmentMessage['type'], properties: Record<string, unknown>, context: Record<string, unknown> | undefined): PageFields {
  const own = type === 'page' || type === 'screen' ? properties : {};
  const pick = (key: string): string | null => {
    const value = own[key] ?? context?.[key];
    return typeof value === 'string' && value !== '' ? value : null;
  };
  return { url: pick('url'), path: pick('path'), title: pick('title'), referrer: pick('referrer') };
}

const MAX_PROPERTIES_CHARS = 16 * 1024;

async function propertiesJson(
  payload: Record<string, unknown>,
  personTraits: boolean,
  options: NormaliseOptions,
  flags: Set<QualityFlag>,
  contacts: string | null,
): Promise<string> {
  const withContacts = (json: string) => (contacts === null ? json : `${json.slice(0, -1)}${json === '{}' ? '' : ','}${JSON.stringify(CONTACT_KEYS_PROPERTY)}:${JSON.stringify(contacts)}}`);
  if (Object.keys(payload).length === 0) return withContacts('{}');
  let value: unknown = payload;
  if (options.scrub) {
    const scrubbed = await scrubJson(payload, { hashIdentifier: (v) => options.hasher.hashId(v), personTraits, phoneCountryCode: options.phoneCountryCode });
    if (scrubbed.found.length) flags.add('pii_scrubbed');
    if (scrubbed.truncated) flags.add('value_truncated');
    value = scrubbed.value;
  }
  const json = JSON.stringify(value);
  if (json.length <= MAX_PROPERTIES_CHARS) return withContacts(json);
  flags.add('value_truncated');
  return withContacts(JSON.stringify({ _truncated: true }));
}
