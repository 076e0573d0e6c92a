/**
 * The `audit` table of the SiteState: who changed access or deleted data, configured alerts,
 * downloaded files (one entry per token and hour: downloads-audit.ts) or exported data, and when. Entries hold hashed ids, token ids and counts only; never a raw
 * identifier, a token or the members of an audience.
 */
export const AUDIT_ACTIONS = [
  'token.create',
  'token.revoke',
  'token.rotate',
  'erasure.request',
  'erasure.confirm',
  'erasure.done',
  'erasure.failed',
  'retention.update',
  'retention.override',
  'retention.delete',
  'data.download',
  'data.export',
  'alert.rule.create',
  'alert.rule.update',
  'alert.rule.mute',
  'alert.rule.unmute',
  'alert.rule.test',
  'alert.rule.delete',
  'audience.deliver',
  'audience.delivered',
  'audience.delivery_failed',
  'audience.export',
  'backup.restore.request',
  'backup.restore',
  'import.create',
  'import.withdraw',
  'consent.record',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Flat on purpose: counts, ids and lists of dates or hashed ids. */
export type AuditValue = string | number | boolean | null | string[];

export interface AuditEntry {
  id: number;
  at: string;
  action: AuditAction;
  /** Token id of the requester (`config:<role>:<n>` for tokens from SITE_SECRETS), or `system` for scheduled jobs. */
  actor: string;
  details: Record<string, AuditValue>;
}

export interface NewAuditEntry {
  action: AuditAction;
  actor: string;
  details: Record<string, AuditValue>;
}

export interface AuditQuery {
  action?: AuditAction | undefined;
  /** Entries with an id below this (paging backwards). */
  beforeId?: number | undefined;
  limit: number;
}

export function createAuditTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS audit (
      id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL, details TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS audit_by_action ON audit (action, id);
  `);
}

export function appendAudit(sql: SqlStorage, entry: NewAuditEntry, now: number): number {
  sql.exec(`INSERT INTO audit (at, action, actor, details) VALUES (?, ?, ?, ?)`, now, entry.action, entry.actor, JSON.stringify(entry.details));
  return sql.exec<{ id: number }>(`SELECT last_insert_rowid() AS id`).one().id;
}

/** Newest first. */
export function listAudit(sql: SqlStorage, query: AuditQuery): AuditEntry[] {
  const rows = sql
    .exec<{ id: number; at: number; action: string; actor: string; details: string }>(
      `SELECT * FROM audit WHERE (? IS NULL OR action = ?) AND id < ? ORDER BY id DESC LIMIT ?`,
      query.action ?? null, query.action ?? null, query.beforeId ?? Number.MAX_SAFE_INTEGER, query.limit,
    )
    .toArray();
  return rows.map((r) => ({
    id: r.id,
    at: new Date(r.at).toISOString(),
    action: r.action as AuditAction,
    actor: r.actor,
    details: JSON.parse(r.details) as Record<string, AuditValue>,
  }));
}
