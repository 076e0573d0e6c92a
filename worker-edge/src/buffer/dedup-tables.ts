/**
 * The ingest buffer's memory of event ids for deduplication: one `WITHOUT ROWID` table of the ids alone per time
 * bucket (the bucket an id was first seen in), dropped whole once the whole bucket is older than the horizon. A DELETE
 * of the expired ids wrote every row again, and the single table with a time index used before took about three times
 * the storage per id; that table (`seen`) is still read, and emptied, until its ids expire.
 *
 * A bucket is a seventh of the horizon (DEDUP_HORIZON_SECONDS), so an id is remembered for the horizon at least and at
 * most one bucket more, and a shard holds at most 8 tables. Each table's name carries its own bucket length, so a
 * table made under another horizon is still read and dropped correctly after the setting changes.
 */
import { DAY_MS } from '@privacy-analytics/core/time';

export const BUCKETS_PER_HORIZON = 7;
const DAY_TABLE = /^seen_d(\d+)$/;
const BUCKET_TABLE = /^seen_b(\d+)_(\d+)$/;
const LEGACY_TABLE = 'seen';

/** A bucket's length: a seventh of the horizon, rounded up to whole seconds (one day for the default of 7 days). */
export function dedupBucketMs(horizonMs: number): number {
  return Math.ceil(horizonMs / BUCKETS_PER_HORIZON / 1000) * 1000;
}

/**
 * The table for ids first seen at `now`: `seen_d<epoch day>` for one-day buckets (the default horizon, and the name
 * older versions used), else `seen_b<bucket seconds>_<bucket index>`.
 */
export function dedupTableAt(now: number, bucketMs: number): string {
  const index = Math.floor(now / bucketMs);
  return bucketMs === DAY_MS ? `seen_d${index}` : `seen_b${bucketMs / 1000}_${index}`;
}

/** When the bucket of a dedup table ends (its ids were all seen before then), from its name; null if not a bucket table. */
export function dedupTableEnd(name: string): number | null {
  const day = DAY_TABLE.exec(name);
  if (day) return (Number(day[1]) + 1) * DAY_MS;
  const bucket = BUCKET_TABLE.exec(name);
  if (bucket) return (Number(bucket[2]) + 1) * Number(bucket[1]) * 1000;
  return null;
}

/** Every dedup table of this storage, the legacy `seen` included. */
export function dedupTables(sql: SqlStorage): string[] {
  return sql
    .exec<{ name: string }>(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND (name = '${LEGACY_TABLE}' OR name GLOB 'seen_d[0-9]*' OR name GLOB 'seen_b[0-9]*_[0-9]*') ORDER BY name DESC`,
    )
    .toArray()
    .map((r) => r.name)
    .filter((name) => name === LEGACY_TABLE || dedupTableEnd(name) !== null);
}

/**
 * Durable Object SQLite (as D1) compiles at most 5 terms in a compound SELECT: one UNION ALL over the 7 earlier tables
 * of a full horizon failed every append from the horizon's seventh bucket on.
 */
export const MAX_COMPOUND_SELECT_TERMS = 5;

/**
 * The table for ids first seen at `now` (created if missing), and the queries that find an id (?1) in the earlier ones
 * (newest first, at most MAX_COMPOUND_SELECT_TERMS tables each; none when there are no earlier tables).
 */
export function prepareDedup(sql: SqlStorage, now: number, bucketMs: number): { current: string; seenBefore: string[] } {
  const current = dedupTableAt(now, bucketMs);
  sql.exec(`CREATE TABLE IF NOT EXISTS ${current} (event_id TEXT PRIMARY KEY) WITHOUT ROWID`);
  const earlier = dedupTables(sql).filter((t) => t !== current);
  const seenBefore: string[] = [];
  for (let from = 0; from < earlier.length; from += MAX_COMPOUND_SELECT_TERMS) {
    const terms = earlier.slice(from, from + MAX_COMPOUND_SELECT_TERMS).map((t) => `SELECT 1 FROM ${t} WHERE event_id = ?1`);
    seenBefore.push(`${terms.join(' UNION ALL ')} LIMIT 1`);
  }
  return { current, seenBefore };
}

export function createDedupCountTable(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS dedup_counts (name TEXT PRIMARY KEY, ids INTEGER NOT NULL)`);
}

/** Adds `ids` to the kept count of `table` (call in the transaction that inserted them). */
export function countDedupIds(sql: SqlStorage, table: string, ids: number): void {
  if (ids !== 0) sql.exec(`INSERT INTO dedup_counts (name, ids) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET ids = ids + excluded.ids`, table, ids);
}

/**
 * Drops every table whose bucket ended `horizonMs` or more before `now`, and empties the legacy table of its expired
 * ids. A table made before the counts were kept is counted here, once.
 */
export function dropExpiredDedupTables(sql: SqlStorage, now: number, horizonMs: number): void {
  const horizon = now - horizonMs;
  const tables = dedupTables(sql);
  sql.exec(`DELETE FROM dedup_counts WHERE name NOT IN (SELECT value FROM json_each(?))`, JSON.stringify(tables));
  for (const table of tables) {
    if (sql.exec(`SELECT 1 FROM dedup_counts WHERE name = ?`, table).toArray().length === 0) {
      sql.exec(`INSERT INTO dedup_counts (name, ids) SELECT ?, COUNT(*) FROM ${table}`, table);
    }
    if (table === LEGACY_TABLE) {
      countDedupIds(sql, table, -sql.exec(`DELETE FROM ${LEGACY_TABLE} WHERE at < ?`, horizon).rowsWritten);
      if (sql.exec(`SELECT 1 FROM ${LEGACY_TABLE} LIMIT 1`).toArray().length > 0) continue;
    } else if (dedupTableEnd(table)! > horizon) {
      continue;
    }
    sql.exec(`DROP TABLE ${table}`);
    sql.exec(`DELETE FROM dedup_counts WHERE name = ?`, table);
  }
}

export interface DedupStats {
  tables: number;
  /** ids held in the dedup tables (counted as they are inserted) */
  ids: number;
}

export function dedupStats(sql: SqlStorage): DedupStats {
  const { tables, ids } = sql.exec<{ tables: number; ids: number | null }>(`SELECT COUNT(*) AS tables, SUM(ids) AS ids FROM dedup_counts`).one();
  return { tables, ids: ids ?? 0 };
}
