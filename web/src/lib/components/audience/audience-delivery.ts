/**
 * An audience as the edge's delivery endpoint takes it (worker-edge/src/audience/audience-request.ts): the edge's own
 * 32-hex pseudonyms, a channel of a restricted alphabet, an optional score, at most 50,000 members per request.
 * Webhooks are posted by the edge, so the page only ever talks to the edge (the dashboard's CSP allows no other host).
 */
import { z } from 'zod';
import { contactFacts, parseAudienceSpec, parseSegmentSpec, resolveAsOfInstant, responsiveChannelSql, segmentMembers, type AudienceSpecInput } from '@privacy-analytics/core/analytics';
import { isHeldOut, MAX_HOLDOUT_SHARE } from '@privacy-analytics/core/edge-api';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import type { AudienceDelivery, DeliveryReport, RecommendedItem } from '../../edge/edge-admin';
import { formatInteger } from '../format';

export const PSEUDONYM = /^[0-9a-f]{32}$/;
const CHANNEL = /^[A-Za-z0-9 _.:/-]{1,64}$/;
export const MAX_MEMBERS_PER_DELIVERY = 50_000;
export const MIN_HASH_KEY_LENGTH = 16;

/** "segment:<name>" or "model:<name>", as the edge's log records the source. */
export const audienceSourceSchema = z.string().regex(/^(segment|model):[^\u0000-\u001f\u007f]{1,100}$/, 'the source is "segment:<name>" or "model:<name>"');
export type AudienceSourceLabel = `segment:${string}` | `model:${string}`;

export interface AudienceMember {
  person: string;
  channel: string;
  score?: number;
  /** The destination channel's hashed contact key (`email:<hash>`), from the person's `$ids`. */
  address?: string;
  items?: RecommendedItem[];
  /** Why a model scored the member so (a risk list): the strongest feature contributions. */
  drivers?: ScoreDriver[];
  lastOrderAt?: number;
}

export interface ScoreDriver {
  feature: string;
  value: number;
  contribution: number;
}
const MAX_DRIVERS = 10;

/** What a marketing audience is sent with: the edge applies it (audience-request.ts), the CSV export the holdout. */
export interface DeliveryPlan {
  audienceId: string;
  /** Empty: not a marketing audience (no consent, caps or quiet days apply). */
  channel: string;
  holdout: number;
  frequencyCap: { max: number; windowDays: number } | null;
  purchaseQuietDays: number;
}

export const AUDIENCE_CHANNELS = ['email', 'sms', 'push', 'app', 'wechat', 'whatsapp'] as const;
const ADDRESS_KEY = /^(email|phone|member|device):[0-9a-f]{16,64}$/;
const MAX_ITEMS = 20;

/** A stable audience id from its name, so that every delivery of one audience keeps the same holdout. */
export function audienceIdOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'audience';
}

/** Why the plan cannot be sent, or null. */
export function planProblem(plan: DeliveryPlan): string | null {
  if (!(plan.holdout >= 0 && plan.holdout <= MAX_HOLDOUT_SHARE)) return `the holdout is a share from 0 to ${MAX_HOLDOUT_SHARE * 100} %`;
  if (plan.frequencyCap && !(Number.isInteger(plan.frequencyCap.max) && plan.frequencyCap.max >= 0 && plan.frequencyCap.max <= 100)) return 'the cap is 0 to 100 messages';
  if (plan.frequencyCap && !(Number.isInteger(plan.frequencyCap.windowDays) && plan.frequencyCap.windowDays >= 1 && plan.frequencyCap.windowDays <= 90)) return 'the cap window is 1 to 90 days';
  if (!(Number.isInteger(plan.purchaseQuietDays) && plan.purchaseQuietDays >= 0 && plan.purchaseQuietDays <= 90)) return 'the quiet days after an order are 0 to 90';
  return null;
}

/** Whether the member is in the audience's control group (the edge draws the same way). */
export function heldOut(plan: DeliveryPlan, person: string): boolean {
  return isHeldOut(plan.audienceId, person.toLowerCase(), plan.holdout);
}

/**
 * The members with the channel's hashed contact key and their last order time (for the edge's quiet days), and the
 * recommended items of each when given.
 */
export async function withPayload(
  engine: QueryEngine,
  members: readonly AudienceMember[],
  channel: string,
  items?: ReadonlyMap<string, readonly RecommendedItem[]>,
  drivers?: ReadonlyMap<string, readonly ScoreDriver[]>,
): Promise<AudienceMember[]> {
  const facts = channel ? await contactFacts(engine, channel) : new Map<string, { address: string | null; lastOrderAt: number | null }>();
  return members.map((m) => {
    const fact = facts.get(m.person);
    const own = items?.get(m.person);
    const why = drivers?.get(m.person);
    return {
      ...m,
      ...(fact?.address ? { address: fact.address } : {}),
      ...(fact?.lastOrderAt != null ? { lastOrderAt: fact.lastOrderAt } : {}),
      ...(own?.length ? { items: own.slice(0, MAX_ITEMS).map((i) => ({ ...i })) } : {}),
      ...(why?.length ? { drivers: why.slice(0, MAX_DRIVERS).map((d) => ({ feature: d.feature, value: d.value, contribution: d.contribution })) } : {}),
    };
  });
}

/** The persons of the audience with their most responsive channel (audience.ts's definition) and score when given. */
export async function audienceMembers(engine: QueryEngine, input: AudienceSpecInput): Promise<AudienceMember[]> {
  const spec = parseAudienceSpec(input);
  let members: { person: string; score?: number }[];
  if ('segment' in spec.source) {
    const segment = parseSegmentSpec({ ...spec.source.segment, identity: spec.identity });
    members = (await segmentMembers(engine, segment, await resolveAsOfInstant(engine, segment.asOf))).map((row) => ({ person: String(row.person) }));
  } else if ('persons' in spec.source) {
    members = [...new Set(spec.source.persons)].map((person) => ({ person }));
  } else {
    members = spec.source.rows.map((row) => (typeof row.score === 'number' ? { person: row.person, score: row.score } : { person: row.person }));
  }
  const query = responsiveChannelSql(spec);
  const channels = new Map((await engine.query<{ person: string; channel: string }>(query.text, query.params)).map((r) => [String(r.person), String(r.channel)]));
  return members.map((m) => ({ ...m, channel: channels.get(m.person) ?? '' }));
}

/**
 * The delivery requests for `members`, split into batches the edge accepts. Throws a message naming an offending id
 * when a person is not an edge pseudonym (e.g. raw ids from files written outside the edge).
 */
export function deliveryRequests(members: readonly AudienceMember[], name: string, source: string, webhookUrl: string, plan?: DeliveryPlan): AudienceDelivery[] {
  if (members.length === 0) throw new Error('the audience is empty: nothing to deliver');
  const seen = new Set<string>();
  const out: AudienceDelivery['members'] = [];
  for (const m of members) {
    const id = m.person.toLowerCase();
    if (!PSEUDONYM.test(id)) {
      throw new Error(`person "${m.person.slice(0, 40)}" is not an edge pseudonym (32 hex characters): only data collected by the edge can be delivered to a webhook; export a CSV with hashed ids instead`);
    }
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({
      id,
      ...(CHANNEL.test(m.channel) ? { channel: m.channel } : {}),
      ...(m.score !== undefined && Number.isFinite(m.score) ? { score: m.score } : {}),
      ...(m.address && ADDRESS_KEY.test(m.address) ? { address: m.address } : {}),
      ...(m.items?.length ? { items: m.items.filter((i) => Number.isFinite(i.score)).slice(0, MAX_ITEMS) } : {}),
      ...(m.drivers?.length ? { drivers: m.drivers.filter((d) => Number.isFinite(d.value) && Number.isFinite(d.contribution)).slice(0, MAX_DRIVERS) } : {}),
      ...(m.lastOrderAt !== undefined && Number.isFinite(m.lastOrderAt) ? { lastOrderAt: Math.round(m.lastOrderAt) } : {}),
    });
  }
  const settings: Partial<AudienceDelivery> = plan
    ? {
        audienceId: plan.audienceId,
        ...(plan.holdout > 0 ? { holdout: plan.holdout } : {}),
        ...(plan.channel ? { channel: plan.channel, frequencyCap: plan.frequencyCap, purchaseQuietDays: plan.purchaseQuietDays } : {}),
        ...(out.some((m) => m.items) ? { payload: 'recommendations' as const } : out.some((m) => m.drivers && m.score !== undefined) ? { payload: 'risk' as const } : {}),
      }
    : {};
  const url = webhookUrl.trim();
  const requests: AudienceDelivery[] = [];
  for (let i = 0; i < out.length; i += MAX_MEMBERS_PER_DELIVERY) {
    const part = out.length > MAX_MEMBERS_PER_DELIVERY ? ` (part ${i / MAX_MEMBERS_PER_DELIVERY + 1})` : '';
    requests.push({ name: `${name.slice(0, 100 - part.length)}${part}`, source, ...(url ? { webhookUrl: url } : {}), ...settings, members: out.slice(i, i + MAX_MEMBERS_PER_DELIVERY) });
  }
  return requests;
}

/** Why the hash key cannot be used, or null. */
export function hashKeyProblem(key: string): string | null {
  return key.length < MIN_HASH_KEY_LENGTH ? `the hash key must be at least ${MIN_HASH_KEY_LENGTH} characters (it has ${key.length})` : null;
}

/** A file name from the audience name: letters, digits and dashes. */
export function audienceFileName(name: string): string {
  return `audience-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'export'}`;
}

/** What to tell the user about queued deliveries (one per request of deliveryRequests), and whether they all ended. */
export function deliveryProgress(deliveries: readonly DeliveryReport[]): { text: string; finished: boolean; failed: boolean } {
  const members = deliveries.reduce((sum, d) => sum + d.members, 0);
  const arrived = deliveries.reduce((sum, d) => sum + d.membersDelivered, 0);
  const ids = deliveries.map((d) => d.deliveryId).join(', ');
  const destination = deliveries[0]?.destination ?? 'the webhook';
  const failed = deliveries.find((d) => d.status === 'failed');
  if (failed) {
    return { text: `Delivery ${failed.deliveryId} failed: ${failed.failure ?? 'no reason given'}. ${formatInteger(arrived)} of ${formatInteger(members)} persons arrived.`, finished: true, failed: true };
  }
  if (deliveries.every((d) => d.status === 'delivered')) {
    const heldOut = deliveries.reduce((sum, d) => sum + (d.holdout?.heldOut ?? 0), 0);
    const suppressed: Record<string, number> = {};
    for (const d of deliveries) for (const [reason, n] of Object.entries(d.suppressed ?? {})) suppressed[reason] = (suppressed[reason] ?? 0) + n;
    const left = Object.entries(suppressed).map(([reason, n]) => `${formatInteger(n)} ${reason.replaceAll('_', ' ')}`);
    const extra = [heldOut > 0 ? `${formatInteger(heldOut)} kept back as the holdout` : '', left.length ? `suppressed: ${left.join(', ')}` : ''].filter(Boolean).join('; ');
    return { text: `Delivered ${formatInteger(arrived)} of ${formatInteger(members)} persons through the edge to ${destination} (delivery ${ids})${extra ? `; ${extra}` : ''}.`, finished: true, failed: false };
  }
  const retrying = deliveries.find((d) => d.lastError !== null && d.status === 'delivering');
  const retry = retrying ? ` The receiver answered ${retrying.lastError}; the edge tries again${retrying.nextAttemptAt ? ` at ${retrying.nextAttemptAt.slice(11, 19)} UTC` : ''}.` : '';
  const state = deliveries.some((d) => d.status === 'delivering') ? 'delivering' : 'queued';
  return { text: `${formatInteger(arrived)} of ${formatInteger(members)} persons sent to ${destination} (${state}, delivery ${ids}).${retry}`, finished: false, failed: false };
}

/** "push 24, sms 24, email": channels in order, each with the hours to wait for a response before the next step. */
export function parseSequenceSteps(text: string): { channel: string; waitHours: number }[] {
  const steps = text
    .split(/[,>→]+/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^([a-z0-9_-]{1,40})(?:\s+(\d+(?:\.\d+)?)\s*h?)?$/i.exec(part);
      if (!match) throw new Error(`"${part}": expected a channel and the hours to wait, e.g. "push 24"`);
      return { channel: match[1]!.toLowerCase(), waitHours: match[2] === undefined ? 24 : Number(match[2]) };
    });
  if (steps.length === 0) throw new Error('name at least one channel, e.g. "push 24, sms 24, email"');
  return steps;
}
