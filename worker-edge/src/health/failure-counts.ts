import { DAY_MS } from '@privacy-analytics/core/time';

/**
 * The `health_daily` table of SiteHealth: per UTC day, operations of the site and those that failed. The system failure
 * rate (requirement: at most 0.3 %) is failures over operations:
 * - requests: answers of the site's API and ingest; failed: answered 5xx;
 * - flushes: buffer flush attempts; failed: attempts that threw (each one is retried, or split after three);
 * - compactions: compaction steps that had work; failed: steps that threw (retried on the next cron tick);
 * - deliveries: alert webhook and audience deliveries that ended; failed: those that gave up.
 */
export const FAILURE_LIMIT_PERCENT = 0.3;
/** Days kept: a year and a month, so a month's rate can be compared with the same month a year before. */
export const HEALTH_RETENTION_DAYS = 400;

export const HEALTH_COUNTERS = ['requests', 'requests_5xx', 'flushes', 'flushes_failed', 'compactions', 'compactions_failed', 'deliveries', 'deliveries_gave_up'] as const;
export type HealthCounter = (typeof HEALTH_COUNTERS)[number];
export type HealthCounts = Partial<Record<HealthCounter, number>>;

const OPERATIONS: readonly HealthCounter[] = ['requests', 'flushes', 'compactions', 'deliveries'];
const FAILURES: readonly HealthCounter[] = ['requests_5xx', 'flushes_failed', 'compactions_failed', 'deliveries_gave_up'];

export interface FailureDay {
  date: string;
  counts: Record<HealthCounter, number>;
  operations: number;
  failures: number;
  /** failures / operations in percent; null on a day without operations */
  ratePercent: number | null;
}

export interface FailureReport {
  from: string;
  to: string;
  limitPercent: number;
  days: FailureDay[];
  total: Omit<FailureDay, 'date'>;
  /** the rate over the whole range is at most the limit (true when there were no operations) */
  withinLimit: boolean;
  /** days whose own rate is over the limit */
  daysOverLimit: string[];
}

export function createHealthTables(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS health_daily (date TEXT NOT NULL, counter TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (date, counter))`);
}

export function addHealthCounts(sql: SqlStorage, date: string, counts: HealthCounts): void {
  for (const counter of HEALTH_COUNTERS) {
    const count = counts[counter];
    if (!count) continue;
    sql.exec(
      `INSERT INTO health_daily (date, counter, count) VALUES (?, ?, ?) ON CONFLICT (date, counter) DO UPDATE SET count = count + excluded.count`,
      date, counter, count,
    );
  }
}

export function pruneHealthCounts(sql: SqlStorage, now: number): void {
  sql.exec(`DELETE FROM health_daily WHERE date < ?`, utcDate(now - HEALTH_RETENTION_DAYS * DAY_MS));
}

/** The report of the `days` UTC days ending with the day of `now` (every day listed, zero where nothing ran). */
export function failureReport(sql: SqlStorage, days: number, now: number, limitPercent = FAILURE_LIMIT_PERCENT): FailureReport {
  const to = utcDate(now);
  const from = utcDate(now - (days - 1) * DAY_MS);
  const stored = sql
    .exec<{ date: string; counter: string; count: number }>(`SELECT date, counter, count FROM health_daily WHERE date >= ? AND date <= ?`, from, to)
    .toArray();
  const byDate = new Map<string, Record<HealthCounter, number>>();
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= now; t += DAY_MS) byDate.set(utcDate(t), emptyCounts());
  for (const row of stored) {
    const counts = byDate.get(row.date);
    if (counts && (HEALTH_COUNTERS as readonly string[]).includes(row.counter)) counts[row.counter as HealthCounter] += row.count;
  }
  const dayList = [...byDate].map(([date, counts]) => ({ date, ...summarize(counts) }));
  const totalCounts = emptyCounts();
  for (const day of dayList) for (const counter of HEALTH_COUNTERS) totalCounts[counter] += day.counts[counter];
  const total = summarize(totalCounts);
  return {
    from,
    to,
    limitPercent,
    days: dayList,
    total,
    withinLimit: total.ratePercent === null || total.ratePercent <= limitPercent,
    daysOverLimit: dayList.filter((d) => d.ratePercent !== null && d.ratePercent > limitPercent).map((d) => d.date),
  };
}

export function summarize(counts: Record<HealthCounter, number>): Omit<FailureDay, 'date'> {
  const operations = OPERATIONS.reduce((n, c) => n + counts[c], 0);
  const failures = FAILURES.reduce((n, c) => n + counts[c], 0);
  return { counts, operations, failures, ratePercent: operations === 0 ? null : (failures / operations) * 100 };
}

function emptyCounts(): Record<HealthCounter, number> {
  return Object.fromEntries(HEALTH_COUNTERS.map((c) => [c, 0])) as Record<HealthCounter, number>;
}

export function utcDate(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}
