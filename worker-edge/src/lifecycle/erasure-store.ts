import { emptyTies, seedIsShared, stopReason, type LinkRole, type LinkScan, type PersonLinks, type StopReason, type TieKind } from './erasure-links';

/**
 * Durable state of erasure requests in SiteLifecycle: the request, the ids met so far with their
 * roles and ties (erasure-links.ts) and the files still to rewrite. Everything a step needs to
 * resume after a restart is here.
 */
export const ERASURE_STATUSES = ['pending', 'running', 'awaiting_confirmation', 'done', 'failed'] as const;
export type ErasureStatusName = (typeof ERASURE_STATUSES)[number];
export type ErasurePhase = 'block' | 'link' | 'confirm' | 'purge' | 'rewrite' | 'sweep' | 'done';

/** Stops listed in a status; the count covers them all. */
const STOPS_SHOWN = 100;
/** Ids listed in a dry run; `ids` counts them all. */
const DRY_RUN_IDS_SHOWN = 1000;

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
  confirmed: number;
  rows_matched: number;
  [column: string]: SqlStorageValue;
}

export interface ErasureStop {
  hashedId: string;
  reason: StopReason;
  /** One of the request's own ids: its rows are erased all the same, but it is not blocked. */
  requested: boolean;
}

export interface ErasureDryRun {
  /** How many ids would be erased (the request's and the linked ones). */
  ids: number;
  hashedIds: string[];
  files: number;
  rows: number;
}

/** The status endpoint's answer. The linked ids themselves are shown only in a dry run, the ids not followed as stops. */
export interface ErasureStatus {
  id: string;
  status: ErasureStatusName;
  phase: ErasurePhase;
  via: 'userId' | 'hashedId';
  hashedIds: string[];
  /** Ids erased: the request's own and the linked ones that are the person's alone. */
  linkedIds: number;
  /** Ids whose future events are dropped at ingest. */
  blockedIds: number;
  /** Ids not followed (or, for the request's own, not blocked) because they are tied to other people. */
  stops: ErasureStop[];
  stopCount: number;
  confirmed: boolean;
  /** While the request awaits "confirm": true: what it would erase. */
  dryRun: ErasureDryRun | null;
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
    CREATE TABLE IF NOT EXISTS erasure_ties (request_id TEXT NOT NULL, hashed_id TEXT NOT NULL, kind TEXT NOT NULL, other TEXT NOT NULL, PRIMARY KEY (request_id, hashed_id, kind, other));
    CREATE TABLE IF NOT EXISTS erasure_targets (request_id TEXT NOT NULL, key TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (request_id, key));
  `);
  // Requests stored before links were judged keep their ids as members: erased, followed and blocked, as they were.
  addMissingColumns(sql, 'erasures', { confirmed: 'INTEGER NOT NULL DEFAULT 0', rows_matched: 'INTEGER NOT NULL DEFAULT 0' });
  addMissingColumns(sql, 'erasure_ids', {
    role: `TEXT NOT NULL DEFAULT 'member'`,
    found_pass: 'INTEGER NOT NULL DEFAULT 0',
    reason: 'TEXT',
    blocked: 'INTEGER NOT NULL DEFAULT 0',
  });
}

function addMissingColumns(sql: SqlStorage, table: string, columns: Record<string, string>): void {
  const present = new Set(sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray().map((c) => c.name));
  for (const [name, definition] of Object.entries(columns)) {
    if (!present.has(name)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${definition}`);
  }
}

export function insertErasure(
  sql: SqlStorage,
  input: { id: string; seeds: readonly string[]; via: ErasureStatus['via']; requestedBy: string; now: number; confirmed: boolean },
): void {
  sql.exec(
    `INSERT INTO erasures (id, seeds, via, status, phase, requested_by, requested_at, confirmed) VALUES (?, ?, ?, 'pending', 'block', ?, ?, ?)`,
    input.id, JSON.stringify(input.seeds), input.via, input.requestedBy, input.now, input.confirmed ? 1 : 0,
  );
  for (const seed of input.seeds) {
    sql.exec(`INSERT OR IGNORE INTO erasure_ids (request_id, hashed_id, role) VALUES (?, ?, 'seed')`, input.id, seed);
    // A user id given in the request is a user id, whether or not a stored row shows it as one yet.
    if (input.via === 'userId') sql.exec(`INSERT OR IGNORE INTO erasure_ties (request_id, hashed_id, kind, other) VALUES (?, ?, 'self', '')`, input.id, seed);
  }
}

/** Undoes insertErasure (its audit entry could not be written). */
export function deleteErasure(sql: SqlStorage, id: string): void {
  sql.exec(`DELETE FROM erasures WHERE id = ?`, id);
  sql.exec(`DELETE FROM erasure_ids WHERE request_id = ?`, id);
  sql.exec(`DELETE FROM erasure_ties WHERE request_id = ?`, id);
}

export function erasureById(sql: SqlStorage, id: string): ErasureRow | null {
  return sql.exec<ErasureRow>(`SELECT * FROM erasures WHERE id = ?`, id).toArray()[0] ?? null;
}

/**
 * The request to work on: one at a time, a running one first (a request confirmed after waiting does not cut in), then
 * the oldest. A request awaiting confirmation is not active.
 */
export function activeErasure(sql: SqlStorage): ErasureRow | null {
  return (
    sql
      .exec<ErasureRow>(`SELECT * FROM erasures WHERE status IN ('pending', 'running') ORDER BY status = 'running' DESC, requested_at, id LIMIT 1`)
      .toArray()[0] ?? null
  );
}

export function unfinishedErasureWithSeeds(sql: SqlStorage, seeds: readonly string[]): ErasureRow | null {
  return (
    sql
      .exec<ErasureRow>(`SELECT * FROM erasures WHERE status IN ('pending', 'running', 'awaiting_confirmation') AND seeds = ?`, JSON.stringify(seeds))
      .toArray()[0] ?? null
  );
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

/** The ids whose rows are erased: the request's own and the members. */
export function erasedIdsOf(sql: SqlStorage, requestId: string): Set<string> {
  return new Set(
    sql
      .exec<{ hashed_id: string }>(`SELECT hashed_id FROM erasure_ids WHERE request_id = ? AND role IN ('seed', 'member') ORDER BY hashed_id`, requestId)
      .toArray()
      .map((r) => r.hashed_id),
  );
}

export function loadPersonLinks(sql: SqlStorage, requestId: string): PersonLinks {
  const roles = new Map<string, LinkRole>();
  for (const row of sql.exec<{ hashed_id: string; role: LinkRole }>(`SELECT hashed_id, role FROM erasure_ids WHERE request_id = ?`, requestId)) {
    roles.set(row.hashed_id, row.role);
  }
  const person: PersonLinks = { roles, ties: new Map() };
  for (const tie of sql.exec<{ hashed_id: string; kind: TieKind; other: string }>(
    `SELECT t.hashed_id, t.kind, t.other FROM erasure_ties t JOIN erasure_ids i ON i.request_id = t.request_id AND i.hashed_id = t.hashed_id
     WHERE t.request_id = ? AND i.role IN ('seed', 'candidate')`,
    requestId,
  )) {
    let ties = person.ties.get(tie.hashed_id);
    if (!ties) person.ties.set(tie.hashed_id, (ties = emptyTies()));
    if (tie.kind === 'self') ties.isUser = true;
    else if (tie.kind === 'user') ties.users.add(tie.other);
    else ties.links.add(tie.other);
  }
  return person;
}

export function saveLinkScan(sql: SqlStorage, requestId: string, pass: number, scan: LinkScan): void {
  for (const id of scan.found) {
    sql.exec(`INSERT OR IGNORE INTO erasure_ids (request_id, hashed_id, role, found_pass) VALUES (?, ?, 'candidate', ?)`, requestId, id, pass);
  }
  for (const tie of scan.ties) {
    sql.exec(`INSERT OR IGNORE INTO erasure_ties (request_id, hashed_id, kind, other) VALUES (?, ?, ?, ?)`, requestId, tie.id, tie.kind, tie.other);
  }
}

/**
 * Judges the candidates found before `pass`, whose rows that pass has read in full: each becomes a member or a stop.
 * Returns how many became members (the person grew).
 */
export function judgeCandidates(sql: SqlStorage, requestId: string, pass: number, linkMaxIds: number): number {
  const person = loadPersonLinks(sql, requestId);
  const due = sql
    .exec<{ hashed_id: string }>(`SELECT hashed_id FROM erasure_ids WHERE request_id = ? AND role = 'candidate' AND found_pass < ?`, requestId, pass)
    .toArray();
  let members = 0;
  for (const { hashed_id: id } of due) {
    const reason = stopReason(person.ties.get(id), linkMaxIds);
    sql.exec(`UPDATE erasure_ids SET role = ?, reason = ? WHERE request_id = ? AND hashed_id = ?`, reason ? 'stop' : 'member', reason, requestId, id);
    if (!reason) members++;
  }
  return members;
}

/**
 * Decides which erased ids are blocked for the future: the members, and the request's own ids unless shared (then
 * recorded as a stop of the request's own). Returns the blocked ids.
 */
export function decideBlockedIds(sql: SqlStorage, requestId: string): string[] {
  const person = loadPersonLinks(sql, requestId);
  const blocked: string[] = [];
  for (const [id, role] of person.roles) {
    if (role !== 'seed' && role !== 'member') continue;
    const shared = role === 'seed' && seedIsShared(person.ties.get(id));
    sql.exec(
      `UPDATE erasure_ids SET blocked = ?, reason = ? WHERE request_id = ? AND hashed_id = ?`,
      shared ? 0 : 1, shared ? ('several_user_ids' satisfies StopReason) : null, requestId, id,
    );
    if (!shared) blocked.push(id);
  }
  return blocked.sort();
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

function countTargets(sql: SqlStorage, requestId: string): number {
  return sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM erasure_targets WHERE request_id = ?`, requestId).one().n;
}

export function toErasureStatus(sql: SqlStorage, row: ErasureRow): ErasureStatus {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const count = (where: string) => sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM erasure_ids WHERE request_id = ? AND ${where}`, row.id).one().n;
  const linkedIds = count(`role IN ('seed', 'member')`);
  const stops = sql
    .exec<{ hashed_id: string; reason: StopReason; role: LinkRole }>(
      `SELECT hashed_id, reason, role FROM erasure_ids WHERE request_id = ? AND reason IS NOT NULL ORDER BY role = 'seed' DESC, hashed_id LIMIT ?`,
      row.id, STOPS_SHOWN,
    )
    .toArray()
    .map((stop) => ({ hashedId: stop.hashed_id, reason: stop.reason, requested: stop.role === 'seed' }));
  const dryRun: ErasureDryRun | null =
    row.status === 'awaiting_confirmation'
      ? { ids: linkedIds, hashedIds: [...erasedIdsOf(sql, row.id)].slice(0, DRY_RUN_IDS_SHOWN), files: countTargets(sql, row.id), rows: row.rows_matched }
      : null;
  return {
    id: row.id,
    status: row.status,
    phase: row.phase,
    via: row.via as ErasureStatus['via'],
    hashedIds: JSON.parse(row.seeds) as string[],
    linkedIds,
    blockedIds: count('blocked = 1'),
    stops,
    stopCount: count('reason IS NOT NULL'),
    confirmed: row.confirmed === 1,
    dryRun,
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
