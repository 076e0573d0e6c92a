import type { WebhookAttempt } from '../alerts/webhook-post';
import { describeDestination, parseUrl } from '../alerts/webhook-url';
import type { AuditValue } from '../lifecycle/audit-log';
import { splitIntoBatches } from './audience-delivery';
import type { AudienceMember } from './audience-request';

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
}

/** A delivery as the status endpoints show it: counts and times, never a member. */
export interface AudienceDeliveryInfo {
  deliveryId: string;
  name: string;
  source: string;
  destination: string;
  members: number;
  withChannel: number;
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
  `);
}

export function insertDelivery(sql: SqlStorage, delivery: NewAudienceDelivery, now: number): void {
  const batches = splitIntoBatches(delivery.members);
  sql.exec(
    `INSERT INTO audience_deliveries (id, site, name, source, url, members, with_channel, batches, requested_by, token_label, state, queued_at, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
    delivery.deliveryId, delivery.site, delivery.name, delivery.source, delivery.url, delivery.members.length,
    delivery.members.filter((m) => m.channel !== undefined).length, batches.length, delivery.requestedBy, delivery.tokenLabel, now, now,
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
export function saveBatchBody(sql: SqlStorage, id: string, index: number, body: string): void {
  sql.exec(`UPDATE audience_batches SET body = ?, members = NULL WHERE delivery_id = ? AND batch_index = ?`, body, id, index);
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
  };
  if (!outcome) return facts;
  return { ...facts, status: row.state, batchesDelivered: row.batches_delivered, membersDelivered: row.members_delivered, attempts: row.attempts, failure: row.failure };
}
