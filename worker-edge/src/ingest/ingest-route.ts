import { z } from 'zod';
import { loadSitesConfig, runtimeSettings, type SiteConfig, type SitesConfig } from '../config/sites';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { readJsonBody } from '../http/read-json-body';
import { basicUsername } from '../http/tokens';
import { HmacIdHasher, type IdHasher } from '@privacy-analytics/core/privacy';
import type { EventRow } from '@privacy-analytics/core/schema';
import {
  batchEnvelopeSchema,
  describeIssues,
  MAX_EVENT_BYTES,
  type MessageType,
} from '@privacy-analytics/core/schema';
import { consentUpdatesOf, messageToRow, type ConsentUpdate, type MessageOptions, type RequestFacts } from '@privacy-analytics/core/ingest';
import { bufferOf, catalogOf } from '../stubs';
import { ANALYTICS, CONSENT_WITHDRAWN, judgeBatchByItsConsent, recordConsentEverywhere } from '../audience/analytics-consent';
import { oldestAcceptedFor } from './ingest-horizon';
import { enforceAddressLimit, overQuota, refuseIfOverQuota, shardQuota } from './ingest-limits';

export interface Rejection {
  index: number;
  reason: string;
}

export interface IngestAnswer {
  success: boolean;
  accepted: number;
  duplicates: number;
  bots: number;
  /** Events of persons who withdrew `analytics` consent: acknowledged, not stored (docs/consent.md). */
  consentWithdrawn: number;
  rejected: Rejection[];
}

export const INGEST_CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-max-age': '86400',
  // a refused browser client may read when to try again
  'access-control-expose-headers': 'retry-after',
};

/**
 * POST /v1/batch and /v1/{track,page,screen,identify,alias,group}: the Segment HTTP Tracking API. The per-address limit
 * is checked before the body is read, and so is the site's quota when the write key comes as the Basic username
 * (server SDKs); browsers send it in the body (no preflight, sendBeacon), so their site is known only after it.
 */
export async function handleIngest(request: Request, env: Env, single: MessageType | null, onSite?: (siteId: string) => void): Promise<Response> {
  const receivedAt = Date.now();
  await enforceAddressLimit(request, env);
  const config = loadSitesConfig(env);
  const headerKey = basicUsername(request);
  const siteOfHeader = headerKey ? siteOfWriteKey(config, headerKey) : null;
  if (siteOfHeader) onSite?.(siteOfHeader.id);
  if (siteOfHeader) refuseIfOverQuota(siteOfHeader, receivedAt);
  const body = await readJsonBody(request);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_body', 'body must be a JSON object');
  }
  const site = siteOfHeader ?? siteOfBody(config, body as Record<string, unknown>);
  onSite?.(site.id);
  if (!siteOfHeader) refuseIfOverQuota(site, receivedAt);

  let messages: unknown[];
  let batchSentAt: number | undefined;
  let batchContext: Record<string, unknown> | undefined;
  if (single) {
    messages = [{ ...body, type: single }];
  } else {
    const envelope = batchEnvelopeSchema.safeParse(body);
    if (!envelope.success) throw new HttpError(400, 'invalid_batch', `batch envelope: ${describeIssues(envelope.error)}`);
    messages = envelope.data.batch;
    batchSentAt = envelope.data.sentAt;
    batchContext = envelope.data.context;
  }

  const facts = requestFacts(request, receivedAt, batchSentAt);
  if (site.mode === 'cookieless') {
    // Plausible-style: with no stored identifier, a visitor is the daily-salted hash of address and agent.
    facts.visitorSeed = `${site.id}|${request.headers.get('cf-connecting-ip') ?? ''}|${facts.requestUserAgent ?? ''}`;
  }
  const [hasher, oldestAccepted] = await Promise.all([hasherFor(site, env, receivedAt), oldestAcceptedFor(site, env, receivedAt)]);
  const rows: EventRow[] = [];
  const rejected: Rejection[] = [];
  const counts: Record<string, number> = {};
  const count = (metric: string) => (counts[metric] = (counts[metric] ?? 0) + 1);
  let bots = 0;

  const consent: ConsentUpdate[] = [];
  const analyticsRecordRows = new Set<string>();
  for (const [index, raw] of messages.entries()) {
    const outcome = await messageToRow(raw, facts, ingestMessageOptions(site, hasher, batchContext, oldestAccepted));
    if (outcome.kind === 'row') {
      rows.push(outcome.row);
      const updates = consentUpdatesOf(raw, outcome.row);
      if (updates.some((u) => u.purpose === ANALYTICS)) analyticsRecordRows.add(outcome.row.event_id);
      consent.push(...updates);
    }
    else if (outcome.kind === 'bot') {
      bots++;
      count(`bot:${outcome.reason}`);
    } else {
      rejected.push({ index, reason: outcome.reason });
      count(`rejected:${outcome.reason.split(':')[0]}`);
    }
  }
  for (const row of rows) for (const flag of row.quality_flags.split(',')) if (flag) count(`flag:${flag}`);

  const pseudonymous = site.mode === 'pseudonymous';
  const judgement = pseudonymous ? judgeBatchByItsConsent(rows, consent, analyticsRecordRows) : { kept: rows, dropped: 0, judged: [] };
  if (judgement.dropped > 0) counts[`dropped:${CONSENT_WITHDRAWN}`] = judgement.dropped;
  const stored = await appendToBuffers(env, site, judgement.kept, counts, judgement.judged);
  // Before answering: a withdrawal holds for every audience batch built, and every event received, after the tracker heard 200.
  if (consent.length > 0 && pseudonymous) await recordConsentEverywhere(env, site.id, consent);
  if (stored.refused > 0) {
    throw overQuota(site, receivedAt, { accepted: stored.accepted, duplicates: stored.duplicates, refused: stored.refused, rejected });
  }
  const consentWithdrawn = judgement.dropped + stored.consentWithdrawn;
  const answer: IngestAnswer = { success: rejected.length === 0, accepted: stored.accepted, duplicates: stored.duplicates, bots, consentWithdrawn, rejected };
  const nothingValid = rows.length === 0 && bots === 0 && rejected.length > 0;
  if (single && nothingValid) {
    throw new HttpError(400, 'invalid_message', rejected[0]!.reason, { rejected });
  }
  if (nothingValid) {
    throw new HttpError(400, 'invalid_batch', `all ${rejected.length} messages were rejected`, { accepted: 0, rejected });
  }
  return jsonResponse(answer, 200, INGEST_CORS_HEADERS);
}

/** How the edge normalises each message of a request (the CPU benchmark's worker uses the same). */
export function ingestMessageOptions(site: SiteConfig, hasher: IdHasher, batchContext?: Record<string, unknown>, oldestAccepted?: MessageOptions['oldestAccepted']): MessageOptions {
  return { site: site.id, hasher, queryParams: site.queryParams, phoneCountryCode: site.phoneCountryCode, scrub: true, batchContext, maxEventBytes: MAX_EVENT_BYTES, dropBots: true, oldestAccepted };
}

function siteOfWriteKey(config: SitesConfig, writeKey: string): SiteConfig {
  const site = config.siteByWriteKey.get(writeKey);
  if (!site) throw new HttpError(401, 'unknown_write_key', 'the write key is not known to this collector');
  return site;
}

function siteOfBody(config: SitesConfig, body: Record<string, unknown>): SiteConfig {
  if (typeof body.writeKey !== 'string' || body.writeKey === '') {
    throw new HttpError(401, 'missing_write_key', 'send the write key as the HTTP Basic username or as "writeKey" in the body');
  }
  return siteOfWriteKey(config, body.writeKey);
}

export function requestFacts(request: Request, receivedAt: number, batchSentAt: number | undefined): RequestFacts {
  const cf = request.cf as { country?: string; region?: string } | undefined;
  const country = typeof cf?.country === 'string' && cf.country !== 'XX' && cf.country !== 'T1' ? cf.country : null;
  return {
    receivedAt,
    batchSentAt,
    country,
    region: typeof cf?.region === 'string' && cf.region !== '' ? cf.region : null,
    requestUserAgent: request.headers.get('user-agent'),
    visitorSeed: null,
  };
}

const hasherCache = new Map<string, IdHasher>();

/** Pseudonymous: HMAC with the site's key. Cookieless: HMAC with today's salt, which dies after 48 h. */
export async function hasherFor(site: SiteConfig, env: Env, receivedAt: number): Promise<IdHasher> {
  if (site.mode === 'pseudonymous') {
    const cacheKey = `${site.id}:key:${site.hashKey}`;
    let hasher = hasherCache.get(cacheKey);
    if (!hasher) hasherCache.set(cacheKey, (hasher = new HmacIdHasher(site.hashKey)));
    return hasher;
  }
  const date = new Date(receivedAt).toISOString().slice(0, 10);
  const cacheKey = `${site.id}:salt:${date}`;
  let hasher = hasherCache.get(cacheKey);
  if (!hasher) {
    for (const key of hasherCache.keys()) if (key.startsWith(`${site.id}:salt:`)) hasherCache.delete(key);
    const catalog = catalogOf(env, site.id);
    hasher = new HmacIdHasher(await catalog.dailySalt(date));
    hasherCache.set(cacheKey, hasher);
  }
  return hasher;
}

export function shardOf(eventId: string, shards: number): number {
  return Number.parseInt(eventId.slice(0, 8), 16) % shards;
}


/** One append per buffer shard the rows fall on (the request's counters go with the first); also the CPU benchmark's append stage. */
export async function appendToBuffers(env: Env, site: SiteConfig, rows: EventRow[], counts: Record<string, number>, consentJudged: readonly string[] = []) {
  const { bufferShards } = runtimeSettings(env);
  const quota = shardQuota(site, bufferShards);
  const byShard = new Map<number, EventRow[]>();
  for (const row of rows) {
    const shard = shardOf(row.event_id, bufferShards);
    const rowsOfShard = byShard.get(shard);
    if (rowsOfShard) rowsOfShard.push(row);
    else byShard.set(shard, [row]);
  }
  if (byShard.size === 0 && Object.keys(counts).length > 0) byShard.set(0, []);
  let countsSent = false;
  const judgedIds = new Set(consentJudged);
  const results = await Promise.all(
    [...byShard].map(([shard, shardRows]) => {
      const shardCounts = countsSent ? {} : counts;
      countsSent = true;
      const judged = consentJudged.length === 0 ? [] : shardRows.filter((row) => judgedIds.has(row.event_id)).map((row) => row.event_id);
      return bufferOf(env, site.id, shard).append(site.id, shard, shardRows, shardCounts, quota, judged);
    }),
  );
  return results.reduce(
    (sum, r) => ({ accepted: sum.accepted + r.accepted, duplicates: sum.duplicates + r.duplicates, refused: sum.refused + r.refused, consentWithdrawn: sum.consentWithdrawn + (r.consentWithdrawn ?? 0) }),
    { accepted: 0, duplicates: 0, refused: 0, consentWithdrawn: 0 },
  );
}

export const ingestPathSchema = z.enum(['batch', 'track', 'page', 'screen', 'identify', 'alias', 'group']);
