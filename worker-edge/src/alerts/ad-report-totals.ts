import type { AdSpendRow } from '@privacy-analytics/core/imports';
import type { TimeWindow } from '../buffer/counters';
import { DAY_MS } from './seasonal-baseline';

/**
 * Daily totals of imported ad reports (kind=ad_spend), kept in the site's SiteAlerts object for the ad-metric rules
 * (impressions, clicks, ctr, spend). Ad reports are daily, so these rules are daily: each import that lands adds its
 * totals per (date, platform, campaign) and the rules judge the latest imported day against the earlier days.
 *
 * - Bounded: per date at most MAX_AD_KEYS_PER_DAY (platform, campaign) pairs by name, the rest under OTHER; only the
 *   last AD_TOTALS_KEPT_DAYS days before the newest imported day are kept (a baseline reaches back 4 weeks at most).
 * - A withdrawn import's totals leave with it.
 * - CTR is clicks / impressions over the rows that report both (a row without impressions says nothing about a rate).
 */
export const AD_METRICS = ['impressions', 'clicks', 'ctr', 'spend'] as const;
export type AdMetric = (typeof AD_METRICS)[number];
export const MAX_AD_KEYS_PER_DAY = 1000;
export const AD_TOTALS_KEPT_DAYS = 35;
const OTHER = '(other)';

export function isAdMetric(metric: string): metric is AdMetric {
  return (AD_METRICS as readonly string[]).includes(metric);
}

export interface AdFilter {
  column: 'platform' | 'campaign';
  value: string;
}

export interface AdDayTotals {
  impressions: number;
  clicks: number;
  spend: number;
  /** impressions and clicks of the rows reporting both (the CTR's denominator and numerator) */
  pairedImpressions: number;
  pairedClicks: number;
}

export function createAdTotalsTable(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS ad_totals (
      date TEXT NOT NULL, import_id TEXT NOT NULL, platform TEXT NOT NULL, campaign TEXT NOT NULL,
      impressions REAL NOT NULL, clicks REAL NOT NULL, spend REAL NOT NULL, paired_impressions REAL NOT NULL, paired_clicks REAL NOT NULL,
      PRIMARY KEY (date, import_id, platform, campaign));
  `);
}

/** Adds an import's rows as daily totals (call inside a transaction); a repeated import id replaces its totals. */
export function recordAdTotals(sql: SqlStorage, importId: string, rows: readonly Pick<AdSpendRow, 'date' | 'platform' | 'campaign' | 'impressions' | 'clicks' | 'spend'>[]): void {
  sql.exec(`DELETE FROM ad_totals WHERE import_id = ?`, importId);
  const keysOf = new Map<string, Set<string>>();
  const keyedOn = (date: string) => {
    let keys = keysOf.get(date);
    if (!keys) {
      keys = new Set(sql.exec<{ k: string }>(`SELECT DISTINCT platform || char(0) || campaign AS k FROM ad_totals WHERE date = ?`, date).toArray().map((r) => r.k));
      keysOf.set(date, keys);
    }
    return keys;
  };
  const sums = new Map<string, { date: string; platform: string; campaign: string; t: AdDayTotals }>();
  for (const row of rows) {
    let platform = (row.platform ?? '').slice(0, 100);
    let campaign = (row.campaign ?? '').slice(0, 100);
    const keys = keyedOn(row.date);
    const key = `${platform}\u0000${campaign}`;
    if (!keys.has(key)) {
      if (keys.size >= MAX_AD_KEYS_PER_DAY) [platform, campaign] = [OTHER, OTHER];
      else keys.add(key);
    }
    const id = JSON.stringify([row.date, platform, campaign]);
    const entry = sums.get(id) ?? { date: row.date, platform, campaign, t: { impressions: 0, clicks: 0, spend: 0, pairedImpressions: 0, pairedClicks: 0 } };
    entry.t.impressions += row.impressions ?? 0;
    entry.t.clicks += row.clicks ?? 0;
    entry.t.spend += row.spend;
    if (row.impressions !== null && row.clicks !== null) {
      entry.t.pairedImpressions += row.impressions;
      entry.t.pairedClicks += row.clicks;
    }
    sums.set(id, entry);
  }
  for (const { date, platform, campaign, t } of sums.values()) {
    sql.exec(
      `INSERT INTO ad_totals (date, import_id, platform, campaign, impressions, clicks, spend, paired_impressions, paired_clicks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (date, import_id, platform, campaign) DO UPDATE SET impressions = impressions + excluded.impressions, clicks = clicks + excluded.clicks,
         spend = spend + excluded.spend, paired_impressions = paired_impressions + excluded.paired_impressions, paired_clicks = paired_clicks + excluded.paired_clicks`,
      date, importId, platform, campaign, t.impressions, t.clicks, t.spend, t.pairedImpressions, t.pairedClicks,
    );
  }
  const newest = latestAdDay(sql);
  if (newest !== null) sql.exec(`DELETE FROM ad_totals WHERE date < ?`, dateOf(Date.parse(newest) - AD_TOTALS_KEPT_DAYS * DAY_MS));
}

export function removeAdTotals(sql: SqlStorage, importId: string): number {
  return sql.exec(`DELETE FROM ad_totals WHERE import_id = ?`, importId).rowsWritten;
}

/** The newest date any import reported (YYYY-MM-DD), or null. */
export function latestAdDay(sql: SqlStorage): string | null {
  return sql.exec<{ d: string | null }>(`SELECT MAX(date) AS d FROM ad_totals`).one().d;
}

/** What the latest day's totals are made of: a rule re-judges the day when another import adds to it (or one is withdrawn). */
export function adDayVersion(sql: SqlStorage, date: string): string {
  return sql.exec<{ v: string | null }>(`SELECT group_concat(import_id, ',') AS v FROM (SELECT DISTINCT import_id FROM ad_totals WHERE date = ? ORDER BY import_id)`, date).one().v ?? '';
}

/** The day window [date 00:00, next day 00:00) UTC. */
export function adDayWindow(date: string): TimeWindow {
  const from = Date.parse(`${date}T00:00:00Z`);
  return { from, to: from + DAY_MS };
}

/** Each window's (day's) totals under the filter; null for a day no import reported at all (unknown, not zero). */
export function adTotalsOf(sql: SqlStorage, windows: readonly TimeWindow[], filter: AdFilter | null): (AdDayTotals | null)[] {
  return windows.map((window) => {
    const date = dateOf(window.from);
    const reported = sql.exec(`SELECT 1 FROM ad_totals WHERE date = ? LIMIT 1`, date).toArray().length > 0;
    if (!reported) return null;
    const where = filter ? ` AND ${filter.column} = ?` : '';
    const row = sql
      .exec<{ i: number | null; c: number | null; s: number | null; pi: number | null; pc: number | null }>(
        `SELECT SUM(impressions) AS i, SUM(clicks) AS c, SUM(spend) AS s, SUM(paired_impressions) AS pi, SUM(paired_clicks) AS pc FROM ad_totals WHERE date = ?${where}`,
        ...(filter ? [date, filter.value] : [date]),
      )
      .one();
    return { impressions: row.i ?? 0, clicks: row.c ?? 0, spend: row.s ?? 0, pairedImpressions: row.pi ?? 0, pairedClicks: row.pc ?? 0 };
  });
}

/** A day's value of an ad metric (ctr: 0 without impressions). */
export function adMetricValue(metric: AdMetric, totals: AdDayTotals): number {
  if (metric === 'ctr') return totals.pairedImpressions > 0 ? totals.pairedClicks / totals.pairedImpressions : 0;
  return totals[metric];
}

function dateOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
