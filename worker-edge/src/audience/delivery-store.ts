import type { WebhookAttempt } from '../alerts/webhook-post';
import { describeDestination, parseUrl } from '../alerts/webhook-url';
import type { AuditValue } from '../lifecycle/audit-log';
import { splitIntoBatches } from './audience-delivery';
import { AUDIENCE_PAYLOADS, type AudienceMember, type AudiencePayload } from './audience-request';
import { DAY_MS, type ContactPolicy, type SuppressionReason } from './contact-policy';

/**
 * The SQLite tables of a SiteAudiences object: one row per audience delivery (its progress, attempts and whether its
 * audit entries were written) and its batches of members, which are deleted as soon as the delivery ends.
 */

export type AudienceDeliveryStatus = 'queued' | 'delivering' | 'delivered' | 'failed';

export interface NewAudienceDelivery {
  deliveryId: string;
  site: string;
  name: string;
  source: string;
  url: string;
  members: AudienceMember[];
  requestedBy: string;
  tokenLabel: string | null;
  policy: ContactPolicy;
  payload: AudiencePayload;
}

/** A delivery as the status endpoints show it: counts and times, never a member. */
export interface AudienceDeliveryInfo {
  deliveryId: string;
  name: string;
  source: string;
  destination: string;
  members: number;
  withChannel: number;
  /** The audience's stable id: the holdout draw is keyed on it. */
  audienceId: string;
  /** The destination channel of a marketing audience (consent `marketing:<channel>` required), or null. */
  channel: string | null;
  payload: AudiencePayload;
  frequencyCap: { max: number; windowDays: number } | null;
  purchaseQuietDays: number;
  holdout: { share: number; heldOut: number };
  /** Members left out of the batches built so far, by reason. */
  suppressed: Partial<Record<SuppressionReason, number>>;
  batches: number;
  batchesDelivered: number;
  membersDelivered: number;
  status: AudienceDeliveryStatus;
  /** POSTs made so far, over all batches. */
  attempts: number;
  lastHttpStatus: number | null;
  /** The most recent failed attempt's error (kept after a later attempt succeeds). */
  lastError: string | null;
  /** Why the delivery failed; null unless `failed`. */
  failure: string | null;
  requestedBy: string;
  tokenLabel: string | null;
  queuedAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  finishedAt: string | null;
}

export interface DeliveryRow {
  seq: number;
  id: string;
  site: string;
  name: string;
  source: string;
  url: string;
  members: number;
  with_channel: number;
  batches: number;
  requested_by: string;
  token_label: string | null;
  state: string;
  batches_delivered: number;
  members_delivered: number;
  attempts: number;
  /** Attempts on the current batch (batches_delivered). */
  batch_attempts: number;
  last_status: number | null;
  last_error: string | null;
  failure: string | null;
  queued_at: number;
  last_attempt_at: number | null;
  next_attempt_at: number | null;
  finished_at: number | null;
  request_audit_id: number | null;
  outcome_audit_id: number | null;
  audience_id: string | null;
  channel: string | null;
  payload: string | null;
  holdout: number;
  cap_max: number | null;
  cap_window_days: number | null;
  quiet_days: number;
  held_out: number;
  suppressed: string;
  [column: string]: SqlStorageValue;
}

/** Finished deliveries kept for the status endpoints (newest); the audit log keeps every outcome. */
export const MAX_DELIVERIES_KEPT = 1000;
const ACTIVE = `state IN ('queued', 'delivering')`;

export function createDeliveryTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS audience_deliveries (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, site TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL,
      url TEXT NOT NULL, members INTEGER NOT NULL, with_channel INTEGER NOT NULL, batches INTEGER NOT NULL, requested_by TEXT NOT NULL,
      token_label TEXT, state TEXT NOT NULL, batches_delivered INTEGER NOT NULL DEFAULT 0, members_delivered INTEGER NOT NULL DEFAULT 0,
      attempts INTEGER NOT NULL DEFAULT 0, batch_attempts INTEGER NOT NULL DEFAULT 0, last_status INTEGER, last_error TEXT, failure TEXT,
      queued_at INTEGER NOT NULL, last_attempt_at INTEGER, next_attempt_at INTEGER, finished_at INTEGER,
      request_audit_id INTEGER, outcome_audit_id INTEGER);
    CREATE INDEX IF NOT EXISTS audience_deliveries_due ON audience_deliveries (state, next_attempt_at);
    CREATE TABLE IF NOT EXISTS audience_batches (
      delivery_id TEXT NOT NULL, batch_index INTEGER NOT NULL, size INTEGER NOT NULL, members TEXT, body TEXT, PRIMARY KEY (delivery_id, batch_index));
    CREATE TABLE IF NOT EXISTS audience_sends (person TEXT NOT NULL, channel TEXT NOT NULL, sent_at INTEGER NOT NULL, delivery_id TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS audience_sends_person ON audience_sends (person, channel, sent_at);
  `);
  // Objects created before consent, caps and holdouts existed get the columns (SQLite has no ADD COLUMN IF NOT EXISTS).
  const existing = new Set(sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('audience_deliveries')`).toArray().map((c) => c.name));
  const added: [string, string][] = [
    ['audience_id', 'TEXT'],
    ['channel', 'TEXT'],
    ['payload', 'TEXT'],
    ['holdout', 'REAL NOT NULL DEFAULT 0'],
    ['cap_max', 'INTEGER'],
    ['cap_window_days', 'INTEGER'],
    ['quiet_days', 'INTEGER NOT NULL DEFAULT 0'],
    ['held_out', 'INTEGER NOT NULL DEFAULT 0'],
    ['suppressed', "TEXT NOT NULL DEFAULT '{}'"],
  ];
  for (const [column, type] of added) if (!existing.has(column)) sql.exec(`ALTER TABLE audience_deliveries ADD COLUMN ${column} ${type}`);
}

/** Sends are remembered this long (the longest frequency-cap window). */
export const SENDS_KEPT_DAYS = 90;

/** Messages sent on `channel` to each of `persons` since `since`. */
export function sendsSince(sql: SqlStorage, persons: readonly string[], channel: string, since: number): Map<string, number> {
  const counts = new Map<string, number>();
  if (persons.length === 0) return counts;
  const rows = sql
    .exec<{ person: string; n: number }>(
      `SELECT person, COUNT(*) AS n FROM audience_sends WHERE person IN (SELECT value FROM json_each(?)) AND channel = ? AND sent_at > ? GROUP BY person`,
      JSON.stringify(persons),
      channel,
      since,
    )
    .toArray();
  for (const row of rows) counts.set(row.person, row.n);
  return counts;
}

export function recordSends(sql: SqlStorage, persons: readonly string[], channel: string, at: number, deliveryId: string): void {
  for (const person of persons) sql.exec(`INSERT INTO audience_sends (person, channel, sent_at, delivery_id) VALUES (?, ?, ?, ?)`, person, channel, at, deliveryId);
}

export function forgetSends(sql: SqlStorage, persons: readonly string[], deliveryId: string): void {
  if (persons.length === 0) return;
  sql.exec(`DELETE FROM audience_sends WHERE delivery_id = ? AND person IN (SELECT value FROM json_each(?))`, deliveryId, JSON.stringify(persons));
}

export function pruneSends(sql: SqlStorage, now: number): void {
  sql.exec(`DELETE FROM audience_sends WHERE sent_at < ?`, now - SENDS_KEPT_DAYS * DAY_MS);
}

/** The contact policy a delivery was queued with. */
export function policyOf(row: DeliveryRow): ContactPolicy {
  return {
    audienceId: row.audience_id ?? row.id,
    channel: row.channel,
    holdout: row.holdout,
    frequencyCap: row.cap_max === null || row.cap_window_days === null ? null : { max: row.cap_max, windowDays: row.cap_window_days },
    purchaseQuietDays: row.quiet_days,
  };
}

/** Adds a built batch's held-out and suppressed members to the delivery's counts. */
export function countSelection(sql: SqlStorage, id: string, heldOut: number, suppressed: Partial<Record<SuppressionReason, number>>): void {
  const row = getDelivery(sql, id);
  if (!row) return;
  const total = { ...(JSON.parse(row.suppressed) as Partial<Record<SuppressionReason, number>>) };
  for (const [reason, n] of Object.entries(suppressed) as [SuppressionReason, number][]) total[reason] = (total[reason] ?? 0) + n;
  sql.exec(`UPDATE audience_deliveries SET held_out = held_out + ?, suppressed = ? WHERE id = ?`, heldOut, JSON.stringify(total), id);
}

export function insertDelivery(sql: SqlStorage, delivery: NewAudienceDelivery, now: number): void {
  const batches = splitIntoBatches(delivery.members);
  sql.exec(
    `INSERT INTO audience_deliveries (id, site, name, source, url, members, with_channel, batches, requested_by, token_label, state, queued_at, next_attempt_at,
       audience_id, channel, payload, holdout, cap_max, cap_window_days, quiet_days)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    delivery.deliveryId, delivery.site, delivery.name, delivery.source, delivery.url, delivery.members.length,
    delivery.members.filter((m) => m.channel !== undefined).length, batches.length, delivery.requestedBy, delivery.tokenLabel, now, now,
    delivery.policy.audienceId, delivery.policy.channel, delivery.payload, delivery.policy.holdout, delivery.policy.frequencyCap?.max ?? null,
    delivery.policy.frequencyCap?.windowDays ?? null, delivery.policy.purchaseQuietDays,
  );
  batches.forEach((members, index) => {
    sql.exec(`INSERT INTO audience_batches (delivery_id, batch_index, size, members) VALUES (?, ?, ?, ?)`, delivery.deliveryId, index, members.length, JSON.stringify(members));
  });
}

export function getDelivery(sql: SqlStorage, id: string): DeliveryRow | null {
  return sql.exec<DeliveryRow>(`SELECT * FROM audience_deliveries WHERE id = ?`, id).toArray()[0] ?? null;
}

/** Deliveries with a batch due by `now`, oldest first; only those whose request is in the audit log. */
export function dueDeliveries(sql: SqlStorage, now: number, limit: number): DeliveryRow[] {
  return sql
    .exec<DeliveryRow>(`SELECT * FROM audience_deliveries WHERE ${ACTIVE} AND request_audit_id IS NOT NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?`, now, limit)
    .toArray();
}

/** When the alarm must run next for the deliveries: the earliest batch due. */
export function nextDeliveryDue(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>(`SELECT MIN(next_attempt_at) AS t FROM audience_deliveries WHERE ${ACTIVE} AND request_audit_id IS NOT NULL`).one().t;
}

/** The stored body of a batch (once it was posted), or its members (before). */
export function storedBatch(sql: SqlStorage, id: string, index: number): { size: number; members: AudienceMember[]; body: string | null } {
  const row = sql
    .exec<{ size: number; members: string | null; body: string | null }>(`SELECT size, members, body FROM audience_batches WHERE delivery_id = ? AND batch_index = ?`, id, index)
    .toArray()[0];
  if (!row || (row.members === null && row.body === null)) throw new Error(`audience delivery ${id}: batch ${index} is missing from storage`);
  return { size: row.size, members: row.members === null ? [] : (JSON.parse(row.members) as AudienceMember[]), body: row.body };
}

/** Keeps the exact bytes of a batch's first POST, so that every retry sends them again. */
export function saveBatchBody(sql: SqlStorage, id: string, index: number, body: string, size: number): void {
  sql.exec(`UPDATE audience_batches SET body = ?, size = ?, members = NULL WHERE delivery_id = ? AND batch_index = ?`, body, size, id, index);
}

export function markDelivering(sql: SqlStorage, id: string): void {
  sql.exec(`UPDATE audience_deliveries SET state = 'delivering' WHERE id = ? AND state = 'queued'`, id);
}

/**
 * Records one POST of the current batch and moves the delivery on: the next batch (due at once), delivered after the
 * last, the same batch again at `retryAt`, or failed when `retryAt` is null. Returns the updated row.
 */
export function recordBatchAttempt(sql: SqlStorage, delivery: DeliveryRow, result: WebhookAttempt, batchSize: number, at: number, retryAt: number | null): DeliveryRow {
  const common = { attempts: delivery.attempts + 1, last_status: result.status, last_attempt_at: at };
  if (result.ok) {
    const batchesDelivered = delivery.batches_delivered + 1;
    const done = batchesDelivered === delivery.batches;
    return update(sql, delivery, {
      ...common,
      state: done ? 'delivered' : 'delivering',
      batches_delivered: batchesDelivered,
      members_delivered: delivery.members_delivered + batchSize,
      batch_attempts: 0,
      next_attempt_at: done ? null : at,
      finished_at: done ? at : null,
    });
  }
  const batchAttempts = delivery.batch_attempts + 1;
  if (retryAt !== null) return update(sql, delivery, { ...common, state: 'delivering', batch_attempts: batchAttempts, last_error: result.error, next_attempt_at: retryAt });
  const tries = batchAttempts === 1 ? '' : ` (after ${batchAttempts} attempts)`;
  const failure = `batch ${delivery.batches_delivered + 1} of ${delivery.batches}: ${result.error}${tries}`;
  return update(sql, delivery, { ...common, state: 'failed', batch_attempts: batchAttempts, last_error: result.error, failure, next_attempt_at: null, finished_at: at });
}

/** Ends a delivery that may not be sent any more (its destination or the site's secret was withdrawn). */
export function failDelivery(sql: SqlStorage, delivery: DeliveryRow, failure: string, at: number): DeliveryRow {
  return update(sql, delivery, { state: 'failed', failure, next_attempt_at: null, finished_at: at });
}

type RowChange = Partial<Pick<DeliveryRow, 'state' | 'batches_delivered' | 'members_delivered' | 'attempts' | 'batch_attempts' | 'last_status' | 'last_error' | 'failure' | 'last_attempt_at' | 'next_attempt_at' | 'finished_at'>>;

function update(sql: SqlStorage, delivery: DeliveryRow, change: RowChange): DeliveryRow {
  const columns = Object.keys(change);
  sql.exec(`UPDATE audience_deliveries SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`, ...columns.map((c) => change[c as keyof RowChange] ?? null), delivery.id);
  // A finished delivery's members have no reason to stay at the edge.
  if (change.state === 'delivered' || change.state === 'failed') sql.exec(`DELETE FROM audience_batches WHERE delivery_id = ?`, delivery.id);
  return { ...delivery, ...change };
}

/** Deliveries whose `audience.deliver` entry is not written yet. */
export function requestsToAudit(sql: SqlStorage): DeliveryRow[] {
  return sql.exec<DeliveryRow>(`SELECT * FROM audience_deliveries WHERE request_audit_id IS NULL ORDER BY seq`).toArray();
}

/** Finished deliveries whose outcome entry is not written yet. */
export function outcomesToAudit(sql: SqlStorage): DeliveryRow[] {
  return sql.exec<DeliveryRow>(`SELECT * FROM audience_deliveries WHERE state IN ('delivered', 'failed') AND outcome_audit_id IS NULL ORDER BY seq`).toArray();
}

export function setRequestAuditId(sql: SqlStorage, id: string, auditId: number): void {
  sql.exec(`UPDATE audience_deliveries SET request_audit_id = ? WHERE id = ?`, auditId, id);
}

export function setOutcomeAuditId(sql: SqlStorage, id: string, auditId: number): void {
  sql.exec(`UPDATE audience_deliveries SET outcome_audit_id = ? WHERE id = ?`, auditId, id);
}

/** Drops the oldest finished and audited deliveries beyond MAX_DELIVERIES_KEPT. */
export function pruneDeliveries(sql: SqlStorage): void {
  const cutoff = sql.exec<{ seq: number }>(`SELECT seq FROM audience_deliveries ORDER BY seq DESC LIMIT 1 OFFSET ?`, MAX_DELIVERIES_KEPT).toArray()[0];
  if (!cutoff) return;
  sql.exec(`DELETE FROM audience_deliveries WHERE seq <= ? AND state IN ('delivered', 'failed') AND outcome_audit_id IS NOT NULL`, cutoff.seq);
}

export function describeDeliveries(sql: SqlStorage, ids: readonly string[]): AudienceDeliveryInfo[] {
  if (ids.length === 0) return [];
  return sql
    // One JSON parameter: Durable Object SQLite binds at most 100 parameters per statement, a listing page asks for up to 500.
    .exec<DeliveryRow>(`SELECT * FROM audience_deliveries WHERE id IN (SELECT value FROM json_each(?))`, JSON.stringify(ids))
    .toArray()
    .map(describeDelivery);
}

export function describeDelivery(row: DeliveryRow): AudienceDeliveryInfo {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    deliveryId: row.id,
    name: row.name,
    source: row.source,
    destination: describeDestination(row.url),
    members: row.members,
    withChannel: row.with_channel,
    audienceId: row.audience_id ?? row.id,
    channel: row.channel,
    payload: (AUDIENCE_PAYLOADS as readonly (string | null)[]).includes(row.payload) ? (row.payload as AudiencePayload) : 'basic',
    frequencyCap: policyOf(row).frequencyCap,
    purchaseQuietDays: row.quiet_days,
    holdout: { share: row.holdout, heldOut: row.held_out },
    suppressed: JSON.parse(row.suppressed) as Partial<Record<SuppressionReason, number>>,
    batches: row.batches,
    batchesDelivered: row.batches_delivered,
    membersDelivered: row.members_delivered,
    status: row.state as AudienceDeliveryStatus,
    attempts: row.attempts,
    lastHttpStatus: row.last_status,
    lastError: row.last_error,
    failure: row.failure,
    requestedBy: row.requested_by,
    tokenLabel: row.token_label,
    queuedAt: new Date(row.queued_at).toISOString(),
    lastAttemptAt: iso(row.last_attempt_at),
    nextAttemptAt: iso(row.next_attempt_at),
    finishedAt: iso(row.finished_at),
  };
}

/** What the audit log records of a delivery: counts, the masked destination and its host, never a member. */
export function auditDetails(row: DeliveryRow, outcome: boolean): Record<string, AuditValue> {
  const facts: Record<string, AuditValue> = {
    deliveryId: row.id,
    name: row.name,
    source: row.source,
    members: row.members,
    withChannel: row.with_channel,
    destination: describeDestination(row.url),
    destinationHost: parseUrl(row.url)?.host ?? null,
    batches: row.batches,
    tokenLabel: row.token_label,
    audienceId: row.audience_id ?? row.id,
    channel: row.channel,
    purpose: row.channel === null ? null : `marketing:${row.channel}`,
    holdoutShare: row.holdout,
  };
  if (!outcome) return facts;
  return {
    ...facts,
    status: row.state,
    batchesDelivered: row.batches_delivered,
    membersDelivered: row.members_delivered,
    attempts: row.attempts,
    failure: row.failure,
    heldOut: row.held_out,
    suppressed: row.suppressed,
  };
}
