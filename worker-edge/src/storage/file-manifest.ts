import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { rollupKeyOf } from '@privacy-analytics/core/rollups';

/**
 * The `files` table of the SiteState: the manifest. Every change that replaces files
 * (compaction, erasure) happens in one SQLite transaction, so a reader's manifest lists either
 * the old files or the new ones, never both and never neither.
 */

/**
 * How long a key that left the manifest is remembered (`retired_files`), so that a flush retried after its first
 * commit (the reply was lost) cannot list it again after compaction or retention removed it. Far longer than any
 * flush retry: a flush plan is retried by the buffer's alarm within minutes while R2 and the catalog answer.
 */
export const RETIRED_KEY_DAYS = 90;

/** Day-level (compacted) files are stored with this hour so the original NOT NULL column still holds. */
const DAY_LEVEL_HOUR = -1;

interface FileRow {
  key: string;
  date: string;
  hour: number;
  bytes: number;
  rows: number;
  min_time: number;
  max_time: number;
  etag: string;
  sha256: string | null;
  created_at: number;
  seq: number;
  /** the rollup's size and ETag; null for files written before rollups (its key follows from the file's key) */
  rollup_bytes: number | null;
  rollup_etag: string | null;
  [column: string]: SqlStorageValue;
}

/** A manifest entry with its registration sequence number (monotonic per site). */
export interface RegisteredFile extends ManifestEntry {
  seq: number;
}

export function createFileManifestTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS files (
      key TEXT PRIMARY KEY, date TEXT NOT NULL, hour INTEGER NOT NULL, bytes INTEGER NOT NULL,
      rows INTEGER NOT NULL, min_time INTEGER NOT NULL, max_time INTEGER NOT NULL,
      etag TEXT NOT NULL, created_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS files_by_date ON files (date);
    CREATE TABLE IF NOT EXISTS catalog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS retired_files (key TEXT PRIMARY KEY, retired_at INTEGER NOT NULL);
  `);
  const columns = new Set(sql.exec<{ name: string }>(`PRAGMA table_info(files)`).toArray().map((c) => c.name));
  if (!columns.has('sha256')) sql.exec(`ALTER TABLE files ADD COLUMN sha256 TEXT`);
  if (!columns.has('seq')) {
    sql.exec(`ALTER TABLE files ADD COLUMN seq INTEGER NOT NULL DEFAULT 0`);
    sql.exec(`UPDATE files SET seq = rowid`);
  }
  sql.exec(`CREATE INDEX IF NOT EXISTS files_by_seq ON files (seq)`);
  // manifest pages: (date, key) order, resumed after the last (date, key) of the page before
  sql.exec(`CREATE INDEX IF NOT EXISTS files_by_date_key ON files (date, key)`);
  sql.exec(`CREATE INDEX IF NOT EXISTS retired_files_by_time ON retired_files (retired_at)`);
  if (!columns.has('rollup_bytes')) sql.exec(`ALTER TABLE files ADD COLUMN rollup_bytes INTEGER`);
  if (!columns.has('rollup_etag')) sql.exec(`ALTER TABLE files ADD COLUMN rollup_etag TEXT`);
}

/**
 * Upsert: a retried flush re-registers the same key (with a new sequence number) instead of listing it twice. A key
 * that was listed and has left the manifest (compaction merged it, retention or an erasure removed it) is never
 * listed again: it is skipped and returned, and the caller deletes the object it wrote again.
 */
export function registerFiles(sql: SqlStorage, entries: readonly ManifestEntry[]): string[] {
  const retired = new Set(retiredKeys(sql, entries.map((e) => e.key)));
  for (const e of entries) {
    if (retired.has(e.key)) continue;
    sql.exec(
      `INSERT INTO files (key, date, hour, bytes, rows, min_time, max_time, etag, sha256, created_at, seq, rollup_bytes, rollup_etag)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes, rows = excluded.rows, min_time = excluded.min_time,
         max_time = excluded.max_time, etag = excluded.etag, sha256 = excluded.sha256, seq = excluded.seq,
         rollup_bytes = excluded.rollup_bytes, rollup_etag = excluded.rollup_etag`,
      e.key, e.date, e.hour ?? DAY_LEVEL_HOUR, e.bytes, e.rows, Date.parse(e.minTime), Date.parse(e.maxTime), e.etag, e.sha256 ?? null,
      Date.parse(e.createdAt), nextSeq(sql), e.rollup?.bytes ?? null, e.rollup?.etag ?? null,
    );
  }
  return [...retired];
}

/** The keys among `keys` that were listed once and have left the manifest (see RETIRED_KEY_DAYS). */
export function retiredKeys(sql: SqlStorage, keys: readonly string[]): string[] {
  return keys.filter((key) => sql.exec(`SELECT 1 FROM retired_files WHERE key = ?`, key).toArray().length > 0);
}

/** The keys among `keys` the manifest lists now. */
export function listedKeys(sql: SqlStorage, keys: readonly string[]): string[] {
  return keys.filter((key) => sql.exec(`SELECT 1 FROM files WHERE key = ?`, key).toArray().length > 0);
}

/** Deletes `key` from the manifest and remembers it as retired (older memories are forgotten here too). */
function retire(sql: SqlStorage, key: string, now = Date.now()): void {
  sql.exec(`DELETE FROM files WHERE key = ?`, key);
  sql.exec(`INSERT INTO retired_files (key, retired_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET retired_at = excluded.retired_at`, key, now);
  sql.exec(`DELETE FROM retired_files WHERE retired_at < ?`, now - RETIRED_KEY_DAYS * 86_400_000);
}

export type ReplaceResult = { replaced: true; removed: RegisteredFile[] } | { replaced: false; missing: string[] };

/**
 * Compare-and-swap: removes `removeKeys` and registers `add`, but only if every key to remove is
 * still listed (another job may have replaced it meanwhile); otherwise changes nothing.
 * Call inside a transaction.
 */
export function replaceFiles(sql: SqlStorage, removeKeys: readonly string[], add: readonly ManifestEntry[]): ReplaceResult {
  const removed = removeKeys.map((key) => fileByKey(sql, key));
  const missing = removeKeys.filter((_, i) => removed[i] === null);
  if (missing.length > 0) return { replaced: false, missing };
  for (const key of removeKeys) retire(sql, key);
  registerFiles(sql, add);
  return { replaced: true, removed: removed as RegisteredFile[] };
}

/** Removes the listed keys that are present; returns what was removed. */
export function removeFiles(sql: SqlStorage, keys: readonly string[]): RegisteredFile[] {
  const removed: RegisteredFile[] = [];
  for (const key of keys) {
    const file = fileByKey(sql, key);
    if (!file) continue;
    retire(sql, key);
    removed.push(file);
  }
  return removed;
}

/** Files whose partition date lies in [from, to] (inclusive, YYYY-MM-DD; either may be omitted). */
export function listFiles(sql: SqlStorage, from?: string, to?: string): RegisteredFile[] {
  return sql
    .exec<FileRow>(`SELECT * FROM files WHERE date >= ? AND date <= ? ORDER BY date, hour, key`, from ?? '0000-00-00', to ?? '9999-99-99')
    .toArray()
    .map(toEntry);
}

export interface ManifestTotals {
  files: number;
  rows: number;
  bytes: number;
}

/** Where a listing stands between pages: the last file given and the listing's start (its first page). */
export interface ListingPosition {
  afterDate: string;
  afterKey: string;
  /** when the first page was read (this object's clock, epoch ms) */
  startedAt: number;
  /** the registration sequence number then */
  startSeq: number;
}

/** A page of the manifest (totals on the first page only), or why the listing must start again. */
export type ManifestPage = { files: ManifestEntry[]; totals: ManifestTotals | null; next: ListingPosition | null } | { changed: string };

/** The range's totals now (a listing's first page). */
export function rangeTotals(sql: SqlStorage, from?: string, to?: string): ManifestTotals {
  const row = sql
    .exec<{ files: number; rows: number | null; bytes: number | null }>(
      `SELECT COUNT(*) AS files, SUM(rows) AS rows, SUM(bytes) AS bytes FROM files WHERE date >= ? AND date <= ?`,
      from ?? '0000-00-00', to ?? '9999-99-99',
    )
    .one();
  return { files: row.files, rows: row.rows ?? 0, bytes: row.bytes ?? 0 };
}

/**
 * At most `limit` files of [from, to] after `after` (none: from the start), in (date, key) order: one page of the
 * manifest. Within a site, key order is (date, key) order (`events/site=<s>/date=<d>/…`).
 */
export function filesPage(sql: SqlStorage, limit: number, from?: string, to?: string, after?: { date: string; key: string }): RegisteredFile[] {
  // The index search starts at the cursor's date (not at `from`), so a page costs its own rows, not the pages before.
  const low = after && after.date > (from ?? '') ? after.date : (from ?? '0000-00-00');
  return sql
    .exec<FileRow>(
      `SELECT * FROM files INDEXED BY files_by_date_key WHERE date >= ? AND date <= ? AND (date > ? OR key > ?) ORDER BY date, key LIMIT ?`,
      low, to ?? '9999-99-99', after?.date ?? '', after?.key ?? '', limit,
    )
    .toArray()
    .map(toEntry);
}

/**
 * Why the pages a listing has given may no longer fit together, or null. Pages are read at different times, and a
 * compaction or an erasure replaces files in one transaction: if it removed a file already given (or added, behind
 * the listing's position, the file that replaces ones not yet given), the pages would hold a file twice, or a day's
 * rows neither in the old files nor in the new. New flush files alone never replace anything: missing one that
 * arrived behind the position is missing rows newer than the listing, as an unpaged read made a moment earlier would.
 */
export function listingChange(sql: SqlStorage, position: ListingPosition, from?: string): string | null {
  const low = from ?? '0000-00-00';
  const removed = sql
    .exec<{ key: string }>(
      `SELECT key FROM retired_files WHERE retired_at >= ? AND key <= ? AND substr(key, instr(key, '/date=') + 6, 10) >= ? LIMIT 1`,
      position.startedAt, position.afterKey, low,
    )
    .toArray()[0];
  if (removed) return `${removed.key}, listed on an earlier page, has been replaced or removed since`;
  const added = sql
    .exec<{ key: string }>(
      `SELECT key FROM files INDEXED BY files_by_seq WHERE seq > ? AND date >= ? AND (date, key) <= (?, ?) AND NOT (${FLUSH_FILE}) LIMIT 1`,
      position.startSeq, low, position.afterDate, position.afterKey,
    )
    .toArray()[0];
  if (added) return `${added.key} replaced files of a date the earlier pages have passed`;
  return null;
}

/** Files in registration order after `afterSeq` (and at most `maxSeq`), for jobs that page through everything. */
export function filesBySeq(sql: SqlStorage, afterSeq: number, maxSeq: number, limit: number): RegisteredFile[] {
  return sql
    .exec<FileRow>(`SELECT * FROM files WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`, afterSeq, maxSeq, limit)
    .toArray()
    .map(toEntry);
}

export function fileByKey(sql: SqlStorage, key: string): RegisteredFile | null {
  const row = sql.exec<FileRow>(`SELECT * FROM files WHERE key = ?`, key).toArray()[0];
  return row ? toEntry(row) : null;
}

export function currentSeq(sql: SqlStorage): number {
  return Number(sql.exec<{ value: string }>(`SELECT value FROM catalog_meta WHERE key = 'file_seq'`).toArray()[0]?.value ?? maxStoredSeq(sql));
}

export interface DateSummary {
  date: string;
  files: number;
  rows: number;
  bytes: number;
}

/** Per-date totals of the dates before `beforeDate` (retention candidates), oldest first. */
export function datesBefore(sql: SqlStorage, beforeDate: string, limit: number): DateSummary[] {
  return sql
    .exec<{ date: string; files: number; rows: number; bytes: number }>(
      `SELECT date, COUNT(*) AS files, SUM(rows) AS rows, SUM(bytes) AS bytes FROM files WHERE date < ? GROUP BY date ORDER BY date LIMIT ?`,
      beforeDate, limit,
    )
    .toArray();
}

/** A file a buffer flush wrote (`s<shard>-f<flush id>.parquet`): it only adds rows, it replaces no file. */
const FLUSH_FILE = `key GLOB '*/s[0-9]*-f[0-9]*.parquet'`;

/** A file compaction has not merged yet: hour-level, or a flush's day-level file of late events (`s<n>-f<n>…`). */
const LOOSE = `hour >= 0 OR ${FLUSH_FILE}`;

/**
 * Dates where compaction may have something to merge, oldest first: two or more loose files (see LOOSE), or one
 * beside a day-level part smaller than `smallPartRows`. A lone late file next to full parts is left alone, so such
 * dates are not revisited on every run.
 */
export function compactionCandidateDates(sql: SqlStorage, smallPartRows: number): string[] {
  return sql
    .exec<{ date: string }>(
      `SELECT date FROM files WHERE key NOT GLOB '*/imp.*.parquet' GROUP BY date
       HAVING SUM(${LOOSE}) >= 2 OR (SUM(${LOOSE}) >= 1 AND SUM(NOT (${LOOSE}) AND rows < ?) >= 1)
       ORDER BY date`,
      smallPartRows,
    )
    .toArray()
    .map((r) => r.date);
}

function nextSeq(sql: SqlStorage): number {
  const seq = currentSeq(sql) + 1;
  sql.exec(`INSERT INTO catalog_meta (key, value) VALUES ('file_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, String(seq));
  return seq;
}

function maxStoredSeq(sql: SqlStorage): number {
  return sql.exec<{ m: number | null }>(`SELECT MAX(seq) AS m FROM files`).one().m ?? 0;
}

function toEntry(r: FileRow): RegisteredFile {
  const rollup = r.rollup_etag === null || r.rollup_bytes === null ? {} : { rollup: { key: rollupKeyOf(r.key), bytes: r.rollup_bytes, etag: r.rollup_etag } };
  return {
    key: r.key,
    date: r.date,
    hour: r.hour === DAY_LEVEL_HOUR ? null : r.hour,
    bytes: r.bytes,
    rows: r.rows,
    minTime: new Date(r.min_time).toISOString(),
    maxTime: new Date(r.max_time).toISOString(),
    etag: r.etag,
    sha256: r.sha256,
    createdAt: new Date(r.created_at).toISOString(),
    seq: r.seq,
    ...rollup,
  };
}
