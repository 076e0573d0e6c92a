import { HyperLogLog } from '@privacy-analytics/core/rollups';
import { countDimensions, createDimensionTables, pruneDimensionState, type DimensionRow } from './dimension-counters';

/**
 * Per-minute counters kept 49 h (live panel), the same counters in 5-minute buckets kept 30 days
 * (seasonal baselines of alert rules) and per-day counters kept for good (data quality). Distinct
 * persons are HyperLogLog sketches per minute and per bucket, so they merge across shards.
 */
export type MetricCounts = Record<string, number>;

export interface CounterSeries {
  minutes: { minute: number; metric: string; count: number }[];
  daily: { date: string; metric: string; count: number }[];
}

/** A half-open time range [from, to) in epoch milliseconds, aligned to BUCKET_MS. */
export interface TimeWindow {
  from: number;
  to: number;
}

/** Accepted rows as far as counting goes (the dimension fields feed the campaign counters, dimension-counters.ts). */
export type CountableRow = DimensionRow;

export const BUCKET_MS = 5 * 60 * 1000;
const MINUTE_RETENTION_MS = 49 * 60 * 60 * 1000;
/** Alert baselines reach back at most 4 weeks plus one window of at most a day. */
export const BUCKET_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export function createCounterTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS counters (minute INTEGER NOT NULL, metric TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (minute, metric));
    CREATE TABLE IF NOT EXISTS daily_counters (date TEXT NOT NULL, metric TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (date, metric));
    CREATE TABLE IF NOT EXISTS bucket_counters (bucket INTEGER NOT NULL, metric TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (metric, bucket));
    CREATE INDEX IF NOT EXISTS bucket_counters_by_bucket ON bucket_counters (bucket);
    CREATE TABLE IF NOT EXISTS minute_persons (minute INTEGER PRIMARY KEY, sketch BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS bucket_persons (bucket INTEGER PRIMARY KEY, sketch BLOB NOT NULL);
  `);
  createDimensionTables(sql);
}

export function addCounts(sql: SqlStorage, now: number, counts: MetricCounts): void {
  const minute = Math.floor(now / 60_000);
  const bucket = Math.floor(now / BUCKET_MS);
  const date = new Date(now).toISOString().slice(0, 10);
  for (const [metric, count] of Object.entries(counts)) {
    if (!count) continue;
    sql.exec(
      `INSERT INTO counters (minute, metric, count) VALUES (?, ?, ?) ON CONFLICT (minute, metric) DO UPDATE SET count = count + excluded.count`,
      minute, metric, count,
    );
    sql.exec(
      `INSERT INTO bucket_counters (bucket, metric, count) VALUES (?, ?, ?) ON CONFLICT (metric, bucket) DO UPDATE SET count = count + excluded.count`,
      bucket, metric, count,
    );
    sql.exec(
      `INSERT INTO daily_counters (date, metric, count) VALUES (?, ?, ?) ON CONFLICT (date, metric) DO UPDATE SET count = count + excluded.count`,
      date, metric, count,
    );
  }
}

/**
 * Counts accepted rows at `now`: `accepted` (the events metric), `conversions` (track events
 * named in `conversionEvents`) and distinct persons (user id, else anonymous id), plus `extra`.
 */
export function countAccepted(sql: SqlStorage, now: number, rows: readonly CountableRow[], conversionEvents: ReadonlySet<string>, extra: MetricCounts = {}): void {
  let conversions = 0;
  const persons: string[] = [];
  for (const row of rows) {
    if (row.type === 'track' && conversionEvents.has(row.event)) conversions++;
    const person = row.user_id ?? row.anonymous_id;
    if (person) persons.push(person);
  }
  addCounts(sql, now, { ...extra, accepted: (extra.accepted ?? 0) + rows.length, conversions: (extra.conversions ?? 0) + conversions });
  addPersons(sql, now, persons);
  countDimensions(sql, now, rows, conversionEvents);
}

export function addPersons(sql: SqlStorage, now: number, ids: readonly string[]): void {
  if (ids.length === 0) return;
  updateSketch(sql, 'minute_persons', 'minute', Math.floor(now / 60_000), ids);
  updateSketch(sql, 'bucket_persons', 'bucket', Math.floor(now / BUCKET_MS), ids);
}

function updateSketch(sql: SqlStorage, table: 'minute_persons' | 'bucket_persons', key: 'minute' | 'bucket', at: number, ids: readonly string[]): void {
  const stored = sql.exec<{ sketch: ArrayBuffer }>(`SELECT sketch FROM ${table} WHERE ${key} = ?`, at).toArray()[0];
  const sketch = stored ? HyperLogLog.decode(stored.sketch) : new HyperLogLog();
  for (const id of ids) sketch.add(id);
  sql.exec(`INSERT INTO ${table} (${key}, sketch) VALUES (?, ?) ON CONFLICT (${key}) DO UPDATE SET sketch = excluded.sketch`, at, sketch.encode());
}

/** One metric's count in the minute of `now` (a primary-key lookup: cheap enough for every append). */
export function countThisMinute(sql: SqlStorage, now: number, metric: string): number {
  return sql.exec<{ count: number }>(`SELECT count FROM counters WHERE minute = ? AND metric = ?`, Math.floor(now / 60_000), metric).toArray()[0]?.count ?? 0;
}

export function pruneCounters(sql: SqlStorage, now: number): void {
  const oldestMinute = Math.floor((now - MINUTE_RETENTION_MS) / 60_000);
  const oldestBucket = Math.floor((now - BUCKET_RETENTION_MS) / BUCKET_MS);
  sql.exec(`DELETE FROM counters WHERE minute < ?`, oldestMinute);
  sql.exec(`DELETE FROM minute_persons WHERE minute < ?`, oldestMinute);
  sql.exec(`DELETE FROM bucket_counters WHERE bucket < ?`, oldestBucket);
  sql.exec(`DELETE FROM bucket_persons WHERE bucket < ?`, oldestBucket);
  pruneDimensionState(sql, now);
}

export function readCounters(sql: SqlStorage, sinceMinute: number): CounterSeries {
  return {
    minutes: sql.exec<{ minute: number; metric: string; count: number }>(`SELECT minute, metric, count FROM counters WHERE minute >= ? ORDER BY minute`, sinceMinute).toArray(),
    daily: sql.exec<{ date: string; metric: string; count: number }>(`SELECT date, metric, count FROM daily_counters ORDER BY date`).toArray(),
  };
}

/** The sum of one counter over each window (5-minute buckets). */
export function counterWindows(sql: SqlStorage, metric: string, windows: readonly TimeWindow[]): number[] {
  return windows.map((window) => {
    const [from, to] = bucketRange(window);
    return sql.exec<{ n: number | null }>(`SELECT SUM(count) AS n FROM bucket_counters WHERE metric = ? AND bucket >= ? AND bucket < ?`, metric, from, to).one().n ?? 0;
  });
}

/** Each window's persons sketch (the union of its buckets), encoded. */
export function personWindows(sql: SqlStorage, windows: readonly TimeWindow[]): Uint8Array[] {
  return windows.map((window) => {
    const [from, to] = bucketRange(window);
    const merged = new HyperLogLog();
    for (const { sketch } of sql.exec<{ sketch: ArrayBuffer }>(`SELECT sketch FROM bucket_persons WHERE bucket >= ? AND bucket < ?`, from, to)) {
      merged.merge(HyperLogLog.decode(sketch));
    }
    return merged.encode();
  });
}

/** Per-minute persons sketches since a minute (epoch minutes), encoded. */
export function personMinutes(sql: SqlStorage, sinceMinute: number): { minute: number; sketch: Uint8Array }[] {
  return sql
    .exec<{ minute: number; sketch: ArrayBuffer }>(`SELECT minute, sketch FROM minute_persons WHERE minute >= ? ORDER BY minute`, sinceMinute)
    .toArray()
    .map(({ minute, sketch }) => ({ minute, sketch: new Uint8Array(sketch) }));
}

/** Start of the oldest 5-minute bucket holding any counter: baselines before it have no data, not zero. */
export function oldestBucketAt(sql: SqlStorage): number | null {
  const bucket = sql.exec<{ b: number | null }>(`SELECT MIN(bucket) AS b FROM bucket_counters`).one().b;
  return bucket === null ? null : bucket * BUCKET_MS;
}

function bucketRange(window: TimeWindow): [number, number] {
  if (window.from % BUCKET_MS !== 0 || window.to % BUCKET_MS !== 0 || window.to <= window.from) {
    throw new Error(`counter window [${window.from}, ${window.to}) is not a non-empty range of whole ${BUCKET_MS / 60_000}-minute buckets`);
  }
  return [window.from / BUCKET_MS, window.to / BUCKET_MS];
}
