import type { AlertRule } from './alert-rule';
import type { Assessment } from './seasonal-baseline';
import { describeDestination } from './webhook-url';
import type { WebhookAttempt } from './webhook-post';

/**
 * The SQLite tables of a SiteAlerts object: rules, each rule's episode state, fired alerts with
 * their webhook delivery, and every delivery attempt. Alerts hold counts only, never an id.
 */

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface RuleState {
  status: 'ok' | 'alerting';
  openAlertId: number | null;
  /** Consecutive evaluations without an anomaly while alerting; the episode ends at RECOVERY_EVALUATIONS. */
  normalStreak: number;
  /** End of the last window evaluated (epoch ms): a window is evaluated once. */
  lastWindowEnd: number | null;
  /** Ad-metric rules: the imports the evaluated day was made of (another import of that day re-judges it). */
  lastDataVersion?: string;
  lastAssessment: Assessment | null;
}

export interface DeliveryAttemptLog {
  attempt: number;
  at: string;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface AlertEvent {
  id: number;
  ruleId: string;
  ruleName: string;
  metric: string;
  direction: 'drop' | 'spike';
  window: { from: string; to: string };
  value: number;
  baseline: { median: number; mad: number; values: number[] };
  message: string;
  firedAt: string;
  /** Last evaluation that still saw the anomaly. */
  lastSeenAt: string;
  resolvedAt: string | null;
  delivery: {
    destination: string;
    status: DeliveryStatus;
    attempts: number;
    nextAttemptAt: string | null;
    lastError: string | null;
    deliveredAt: string | null;
    log: DeliveryAttemptLog[];
  };
}

export interface NewAlert {
  rule: AlertRule;
  direction: 'drop' | 'spike';
  windowFrom: number;
  windowTo: number;
  assessment: Assessment;
  message: string;
  firedAt: number;
}

export interface PendingDelivery {
  alertId: number;
  url: string;
  payload: string;
  attempts: number;
}

interface AlertRow {
  id: number;
  rule_id: string;
  rule_name: string;
  metric: string;
  direction: string;
  window_from: number;
  window_to: number;
  value: number;
  median: number;
  mad: number;
  baseline_values: string;
  message: string;
  fired_at: number;
  last_seen_at: number;
  resolved_at: number | null;
  webhook_url: string;
  payload: string;
  delivery_status: string;
  delivery_attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  delivered_at: number | null;
  [column: string]: SqlStorageValue;
}

/** Alerts kept per site (newest); older ones and their attempt logs are dropped. */
const MAX_ALERTS_KEPT = 1000;

export function createAlertTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS alert_rules (id TEXT PRIMARY KEY, spec TEXT NOT NULL, state TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS alert_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT, rule_id TEXT NOT NULL, rule_name TEXT NOT NULL, metric TEXT NOT NULL, direction TEXT NOT NULL,
      window_from INTEGER NOT NULL, window_to INTEGER NOT NULL, value REAL NOT NULL, median REAL NOT NULL, mad REAL NOT NULL,
      baseline_values TEXT NOT NULL, message TEXT NOT NULL, fired_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, resolved_at INTEGER,
      webhook_url TEXT NOT NULL, payload TEXT NOT NULL, delivery_status TEXT NOT NULL, delivery_attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER, last_error TEXT, delivered_at INTEGER);
    CREATE INDEX IF NOT EXISTS alert_events_due ON alert_events (delivery_status, next_attempt_at);
    CREATE TABLE IF NOT EXISTS delivery_attempts (
      alert_id INTEGER NOT NULL, attempt INTEGER NOT NULL, at INTEGER NOT NULL, status INTEGER, error TEXT, duration_ms INTEGER NOT NULL,
      PRIMARY KEY (alert_id, attempt));
  `);
}

export const INITIAL_STATE: RuleState = { status: 'ok', openAlertId: null, normalStreak: 0, lastWindowEnd: null, lastAssessment: null };

export function insertRule(sql: SqlStorage, rule: AlertRule): void {
  sql.exec(`INSERT INTO alert_rules (id, spec, state) VALUES (?, ?, ?)`, rule.id, JSON.stringify(rule), JSON.stringify(INITIAL_STATE));
}

export function countRules(sql: SqlStorage): number {
  return sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM alert_rules`).one().n;
}

export function listRules(sql: SqlStorage): { rule: AlertRule; state: RuleState }[] {
  return sql
    .exec<{ spec: string; state: string }>(`SELECT spec, state FROM alert_rules ORDER BY rowid`)
    .toArray()
    .map((row) => ({ rule: JSON.parse(row.spec) as AlertRule, state: JSON.parse(row.state) as RuleState }));
}

/** The rule's current state, or null once it was deleted. */
export function ruleState(sql: SqlStorage, ruleId: string): RuleState | null {
  const row = sql.exec<{ state: string }>(`SELECT state FROM alert_rules WHERE id = ?`, ruleId).toArray()[0];
  return row ? (JSON.parse(row.state) as RuleState) : null;
}

export function saveRuleState(sql: SqlStorage, ruleId: string, state: RuleState): void {
  sql.exec(`UPDATE alert_rules SET state = ? WHERE id = ?`, JSON.stringify(state), ruleId);
}

export function saveRuleSpec(sql: SqlStorage, rule: AlertRule, state: RuleState): void {
  sql.exec(`UPDATE alert_rules SET spec = ?, state = ? WHERE id = ?`, JSON.stringify(rule), JSON.stringify(state), rule.id);
}

/** Removes a rule; alerts it fired stay listed, their pending deliveries are cancelled. */
export function deleteRule(sql: SqlStorage, ruleId: string): AlertRule | null {
  const row = sql.exec<{ spec: string }>(`SELECT spec FROM alert_rules WHERE id = ?`, ruleId).toArray()[0];
  if (!row) return null;
  sql.exec(`DELETE FROM alert_rules WHERE id = ?`, ruleId);
  sql.exec(`UPDATE alert_events SET delivery_status = 'cancelled', next_attempt_at = NULL WHERE rule_id = ? AND delivery_status = 'pending'`, ruleId);
  return JSON.parse(row.spec) as AlertRule;
}

export function insertAlert(sql: SqlStorage, alert: NewAlert, payloadFor: (id: number) => string): number {
  const { assessment } = alert;
  sql.exec(
    `INSERT INTO alert_events (rule_id, rule_name, metric, direction, window_from, window_to, value, median, mad, baseline_values, message,
       fired_at, last_seen_at, webhook_url, payload, delivery_status, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 'pending', ?)`,
    alert.rule.id, alert.rule.name, alert.rule.metric, alert.direction, alert.windowFrom, alert.windowTo, assessment.value,
    assessment.median ?? 0, assessment.mad ?? 0, JSON.stringify(assessment.baselineValues), alert.message,
    alert.firedAt, alert.firedAt, alert.rule.webhookUrl, alert.firedAt,
  );
  const id = sql.exec<{ id: number }>(`SELECT last_insert_rowid() AS id`).one().id;
  sql.exec(`UPDATE alert_events SET payload = ? WHERE id = ?`, payloadFor(id), id);
  return id;
}

export function markAlertSeen(sql: SqlStorage, alertId: number, at: number): void {
  sql.exec(`UPDATE alert_events SET last_seen_at = ? WHERE id = ?`, at, alertId);
}

export function resolveAlert(sql: SqlStorage, alertId: number, at: number): void {
  sql.exec(`UPDATE alert_events SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL`, at, alertId);
}

export function dueDeliveries(sql: SqlStorage, now: number, limit: number): PendingDelivery[] {
  return sql
    .exec<{ id: number; webhook_url: string; payload: string; delivery_attempts: number }>(
      `SELECT id, webhook_url, payload, delivery_attempts FROM alert_events WHERE delivery_status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
      now, limit,
    )
    .toArray()
    .map((row) => ({ alertId: row.id, url: row.webhook_url, payload: row.payload, attempts: row.delivery_attempts }));
}

export function nextDeliveryDue(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>(`SELECT MIN(next_attempt_at) AS t FROM alert_events WHERE delivery_status = 'pending'`).one().t;
}

/** Logs one attempt and moves the delivery on: delivered, failed for good, or pending until `retryAt`. */
export function recordAttempt(sql: SqlStorage, delivery: PendingDelivery, result: WebhookAttempt, at: number, retryAt: number | null): DeliveryStatus {
  const attempt = delivery.attempts + 1;
  const status: DeliveryStatus = result.ok ? 'delivered' : retryAt === null ? 'failed' : 'pending';
  sql.exec(
    `INSERT INTO delivery_attempts (alert_id, attempt, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)`,
    delivery.alertId, attempt, at, result.status, result.error, result.durationMs,
  );
  sql.exec(
    `UPDATE alert_events SET delivery_status = ?, delivery_attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ? WHERE id = ?`,
    status, attempt, status === 'pending' ? retryAt : null, result.error, result.ok ? at : null, delivery.alertId,
  );
  return status;
}

export interface AlertQuery {
  ruleId?: string | undefined;
  beforeId?: number | undefined;
  limit: number;
}

/** Newest first. */
export function listAlerts(sql: SqlStorage, query: AlertQuery): AlertEvent[] {
  const rows = sql
    .exec<AlertRow>(
      `SELECT * FROM alert_events WHERE (? IS NULL OR rule_id = ?) AND id < ? ORDER BY id DESC LIMIT ?`,
      query.ruleId ?? null, query.ruleId ?? null, query.beforeId ?? Number.MAX_SAFE_INTEGER, query.limit,
    )
    .toArray();
  return rows.map((row) => toAlertEvent(row, attemptsOf(sql, row.id)));
}

export function pruneAlerts(sql: SqlStorage): void {
  const cutoff = sql.exec<{ id: number }>(`SELECT id FROM alert_events ORDER BY id DESC LIMIT 1 OFFSET ?`, MAX_ALERTS_KEPT).toArray()[0];
  if (!cutoff) return;
  sql.exec(`DELETE FROM delivery_attempts WHERE alert_id <= ?`, cutoff.id);
  sql.exec(`DELETE FROM alert_events WHERE id <= ?`, cutoff.id);
}

export function getMeta(sql: SqlStorage, key: string): string | null {
  return sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray()[0]?.value ?? null;
}

export function setMeta(sql: SqlStorage, key: string, value: string): void {
  sql.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
}

/** Rules as listed to admins: the webhook URL in full (admins set it), plus the episode state. */
export function describeRule(rule: AlertRule, state: RuleState) {
  return { ...rule, destination: describeDestination(rule.webhookUrl), state };
}

function attemptsOf(sql: SqlStorage, alertId: number): DeliveryAttemptLog[] {
  return sql
    .exec<{ attempt: number; at: number; status: number | null; error: string | null; duration_ms: number }>(
      `SELECT attempt, at, status, error, duration_ms FROM delivery_attempts WHERE alert_id = ? ORDER BY attempt`,
      alertId,
    )
    .toArray()
    .map((a) => ({ attempt: a.attempt, at: new Date(a.at).toISOString(), status: a.status, error: a.error, durationMs: a.duration_ms }));
}

function toAlertEvent(row: AlertRow, log: DeliveryAttemptLog[]): AlertEvent {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: row.id,
    ruleId: row.rule_id,
    ruleName: row.rule_name,
    metric: row.metric,
    direction: row.direction as 'drop' | 'spike',
    window: { from: new Date(row.window_from).toISOString(), to: new Date(row.window_to).toISOString() },
    value: row.value,
    baseline: { median: row.median, mad: row.mad, values: JSON.parse(row.baseline_values) as number[] },
    message: row.message,
    firedAt: new Date(row.fired_at).toISOString(),
    lastSeenAt: new Date(row.last_seen_at).toISOString(),
    resolvedAt: iso(row.resolved_at),
    delivery: {
      destination: describeDestination(row.webhook_url),
      status: row.delivery_status as DeliveryStatus,
      attempts: row.delivery_attempts,
      nextAttemptAt: iso(row.next_attempt_at),
      lastError: row.last_error,
      deliveredAt: iso(row.delivered_at),
      log,
    },
  };
}
