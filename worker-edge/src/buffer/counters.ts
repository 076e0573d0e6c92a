/** Per-minute counters kept 49 h (live panel, alerts) and per-day counters kept for good (data quality). */
export type MetricCounts = Record<string, number>;

export interface CounterSeries {
  minutes: { minute: number; metric: string; count: number }[];
  daily: { date: string; metric: string; count: number }[];
}

const MINUTE_RETENTION_MS = 49 * 60 * 60 * 1000;

export function addCounts(sql: SqlStorage, now: number, counts: MetricCounts): void {
  const minute = Math.floor(now / 60_000);
  const date = new Date(now).toISOString().slice(0, 10);
  for (const [metric, count] of Object.entries(counts)) {
    if (!count) continue;
    sql.exec(
      `INSERT INTO counters (minute, metric, count) VALUES (?, ?, ?) ON CONFLICT (minute, metric) DO UPDATE SET count = count + excluded.count`,
      minute, metric, count,
    );
    sql.exec(
      `INSERT INTO daily_counters (date, metric, count) VALUES (?, ?, ?) ON CONFLICT (date, metric) DO UPDATE SET count = count + excluded.count`,
      date, metric, count,
    );
  }
}

export function pruneCounters(sql: SqlStorage, now: number): void {
  sql.exec(`DELETE FROM counters WHERE minute < ?`, Math.floor((now - MINUTE_RETENTION_MS) / 60_000));
}

export function readCounters(sql: SqlStorage, sinceMinute: number): CounterSeries {
  return {
    minutes: sql.exec<{ minute: number; metric: string; count: number }>(`SELECT minute, metric, count FROM counters WHERE minute >= ? ORDER BY minute`, sinceMinute).toArray(),
    daily: sql.exec<{ date: string; metric: string; count: number }>(`SELECT date, metric, count FROM daily_counters ORDER BY date`).toArray(),
  };
}
