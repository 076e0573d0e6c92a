/**
 * Durable state of erasure requests in SiteLifecycle: the request, the person's ids found so far
 * and the files still to rewrite. Everything a step needs to resume after a restart is here.
 */
export const ERASURE_STATUSES = ['pending', 'running', 'done', 'failed'] as const;
export type ErasureStatusName = (typeof ERASURE_STATUSES)[number];
export type ErasurePhase = 'block' | 'link' | 'purge' | 'rewrite' | 'sweep' | 'done';

export interface ErasureRow {
  id: string;
  seeds: string;
  via: string;
  status: ErasureStatusName;
  phase: ErasurePhase;
  requested_by: string;
  requested_at: number;
  started_at: number | null;
  finished_at: number | null;
  pass: number;
  cursor: number;
  snapshot_seq: number;
  grew: number;
  sweep_cursor: number;
  files_scanned: number;
  files_rewritten: number;
  files_deleted: number;
  rows_removed: number;
  buffered_rows_removed: number;
  attempts: number;
  next_attempt_at: number;
  error: string | null;
  [column: string]: SqlStorageValue;
}

/** The status endpoint's answer. Counts only: the linked ids themselves are not shown. */
export interface ErasureStatus {
  id: string;
  status: ErasureStatusName;
  phase: ErasurePhase;
  via: 'userId' | 'hashedId';
  hashedIds: string[];
  linkedIds: number;
  requestedBy: string;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  passes: number;
  filesScanned: number;
  filesRewritten: number;
  filesDeleted: number;
  rowsRemoved: number;
  bufferedRowsRemoved: number;
  attempts: number;
  error: string | null;
}

export function createErasureTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS erasures (
      id TEXT PRIMARY KEY, seeds TEXT NOT NULL, via TEXT NOT NULL, status TEXT NOT NULL, phase TEXT NOT NULL,
      requested_by TEXT NOT NULL, requested_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
      pass INTEGER NOT NULL DEFAULT 0, cursor INTEGER NOT NULL DEFAULT 0, snapshot_seq INTEGER NOT NULL DEFAULT 0,
      grew INTEGER NOT NULL DEFAULT 0, sweep_cursor INTEGER NOT NULL DEFAULT 0,
      files_scanned INTEGER NOT NULL DEFAULT 0, files_rewritten INTEGER NOT NULL DEFAULT 0, files_deleted INTEGER NOT NULL DEFAULT 0,
      rows_removed INTEGER NOT NULL DEFAULT 0, buffered_rows_removed INTEGER NOT NULL DEFAULT 0,
      attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, error TEXT);
    CREATE INDEX IF NOT EXISTS erasures_by_status ON erasures (status, requested_at);
    CREATE TABLE IF NOT EXISTS erasure_ids (request_id TEXT NOT NULL, hashed_id TEXT NOT NULL, PRIMARY KEY (request_id, hashed_id));
    CREATE TABLE IF NOT EXISTS erasure_targets (request_id TEXT NOT NULL, key TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (request_id, key));
  `);
}

export function insertErasure(sql: SqlStorage, input: { id: string; seeds: readonly string[]; via: ErasureStatus['via']; requestedBy: string; now: number }): void {
  sql.exec(
    `INSERT INTO erasures (id, seeds, via, status, phase, requested_by, requested_at) VALUES (?, ?, ?, 'pending', 'block', ?, ?)`,
    input.id, JSON.stringify(input.seeds), input.via, input.requestedBy, input.now,
  );
  addPersonIds(sql, input.id, input.seeds);
}

export function erasureById(sql: SqlStorage, id: string): ErasureRow | null {
  return sql.exec<ErasureRow>(`SELECT * FROM erasures WHERE id = ?`, id).toArray()[0] ?? null;
}

/** The oldest unfinished request: requests run one at a time, in order. */
export function activeErasure(sql: SqlStorage): ErasureRow | null {
  return sql.exec<ErasureRow>(`SELECT * FROM erasures WHERE status IN ('pending', 'running') ORDER BY requested_at, id LIMIT 1`).toArray()[0] ?? null;
}

export function unfinishedErasureWithSeeds(sql: SqlStorage, seeds: readonly string[]): ErasureRow | null {
  return sql.exec<ErasureRow>(`SELECT * FROM erasures WHERE status IN ('pending', 'running') AND seeds = ?`, JSON.stringify(seeds)).toArray()[0] ?? null;
}

export function listErasures(sql: SqlStorage, limit: number): ErasureRow[] {
  return sql.exec<ErasureRow>(`SELECT * FROM erasures ORDER BY requested_at DESC, id LIMIT ?`, limit).toArray();
}

type Updatable = Omit<ErasureRow, 'id' | 'seeds' | 'via' | 'requested_by' | 'requested_at'>;

export function updateErasure(sql: SqlStorage, id: string, changes: Partial<Updatable>): void {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return;
  const assignments = entries.map(([column]) => `${column} = ?`).join(', ');
  sql.exec(`UPDATE erasures SET ${assignments} WHERE id = ?`, ...entries.map(([, value]) => value as SqlStorageValue), id);
}

export function personIds(sql: SqlStorage, requestId: string): Set<string> {
  return new Set(sql.exec<{ hashed_id: string }>(`SELECT hashed_id FROM erasure_ids WHERE request_id = ?`, requestId).toArray().map((r) => r.hashed_id));
}

export function addPersonIds(sql: SqlStorage, requestId: string, ids: Iterable<string>): void {
  for (const id of ids) sql.exec(`INSERT OR IGNORE INTO erasure_ids (request_id, hashed_id) VALUES (?, ?)`, requestId, id);
}

export function addTarget(sql: SqlStorage, requestId: string, key: string): void {
  sql.exec(`INSERT INTO erasure_targets (request_id, key) VALUES (?, ?) ON CONFLICT (request_id, key) DO UPDATE SET done = 0`, requestId, key);
}

export function clearTargets(sql: SqlStorage, requestId: string): void {
  sql.exec(`DELETE FROM erasure_targets WHERE request_id = ?`, requestId);
}

export function nextTarget(sql: SqlStorage, requestId: string): string | null {
  return sql.exec<{ key: string }>(`SELECT key FROM erasure_targets WHERE request_id = ? AND done = 0 ORDER BY key LIMIT 1`, requestId).toArray()[0]?.key ?? null;
}

export function markTargetDone(sql: SqlStorage, requestId: string, key: string): void {
  sql.exec(`UPDATE erasure_targets SET done = 1 WHERE request_id = ? AND key = ?`, requestId, key);
}

export function toErasureStatus(sql: SqlStorage, row: ErasureRow): ErasureStatus {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: row.id,
    status: row.status,
    phase: row.phase,
    via: row.via as ErasureStatus['via'],
    hashedIds: JSON.parse(row.seeds) as string[],
    linkedIds: sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM erasure_ids WHERE request_id = ?`, row.id).one().n,
    requestedBy: row.requested_by,
    requestedAt: new Date(row.requested_at).toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    passes: row.pass,
    filesScanned: row.files_scanned,
    filesRewritten: row.files_rewritten,
    filesDeleted: row.files_deleted,
    rowsRemoved: row.rows_removed,
    bufferedRowsRemoved: row.buffered_rows_removed,
    attempts: row.attempts,
    error: row.error,
  };
}
