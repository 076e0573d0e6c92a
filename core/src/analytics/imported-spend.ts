/**
 * Ad spend from imported ad-platform reports (docs/imports.md): the `ad_spend` table (AD_SPEND_COLUMNS, one row per
 * date, platform, campaign and ad group) summed per channel for attribution, with the reach the platforms report.
 *
 * - The channel a spend row pays for is its `platform` (or its `campaign` with `by: 'campaign'`), matched exactly
 *   to the attribution's touch values (the site's utm_source / utm_campaign, as the import's docs ask).
 * - CTR = clicks / impressions, CPC = spend / clicks (null without clicks or impressions); CPA, ROAS and ROI come from
 *   the attributed conversions as for a spend CSV (spend.ts).
 */
import type { QueryEngine } from '../engine/query-engine';
import type { SpendRow } from './spend';
import { and, ident, sql, tableExists, type Sql, type TimeBounds } from './sql';

export const AD_SPEND_TABLE = 'ad_spend';
export type SpendKey = 'platform' | 'campaign';

export interface ChannelReach {
  impressions: number;
  clicks: number;
  /** conversions the platforms claim (their own attribution), for comparison */
  platformConversions: number;
}

export interface ImportedSpend {
  by: SpendKey;
  /** one row per date and channel (line: 0, the table has no lines) */
  rows: SpendRow[];
  reach: Map<string, ChannelReach>;
}

/** `ad_spend` rows per date and channel in [from, to) (dates as YYYY-MM-DD). */
export function importedSpendSql(by: SpendKey, bounds: TimeBounds): Sql {
  const key = by === 'campaign' ? sql`coalesce(campaign, '(none)')` : sql`coalesce(platform, '(none)')`;
  const from = bounds.fromMs === null ? null : new Date(bounds.fromMs).toISOString().slice(0, 10);
  const to = bounds.toMs === null ? null : new Date(bounds.toMs).toISOString().slice(0, 10);
  return sql`SELECT "date", ${key} AS channel, sum(spend)::DOUBLE AS spend,
      coalesce(sum(impressions), 0)::DOUBLE AS impressions, coalesce(sum(clicks), 0)::DOUBLE AS clicks, coalesce(sum(conversions), 0)::DOUBLE AS conversions
    FROM ${ident(AD_SPEND_TABLE)}
    WHERE ${and([from === null ? sql`true` : sql`"date" >= ${from}`, to === null ? sql`true` : sql`"date" < ${to}`])}
    GROUP BY ALL ORDER BY "date", channel`;
}

/** The imported spend of [from, to) per date and channel, or null when there is no `ad_spend` table or it is empty. */
export async function readImportedSpend(engine: QueryEngine, by: SpendKey, bounds: TimeBounds): Promise<ImportedSpend | null> {
  if (!(await tableExists(engine, AD_SPEND_TABLE))) return null;
  const [total] = await engine.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${AD_SPEND_TABLE}`);
  if (!total || Number(total.n) === 0) return null;
  const query = importedSpendSql(by, bounds);
  const rows = await engine.query<{ date: string; channel: string; spend: number; impressions: number; clicks: number; conversions: number }>(query.text, query.params);
  const reach = new Map<string, ChannelReach>();
  for (const row of rows) {
    const r = reach.get(row.channel) ?? { impressions: 0, clicks: 0, platformConversions: 0 };
    r.impressions += Number(row.impressions);
    r.clicks += Number(row.clicks);
    r.platformConversions += Number(row.conversions);
    reach.set(row.channel, r);
  }
  return { by, rows: rows.map((row) => ({ line: 0, date: String(row.date), channel: String(row.channel), spend: Number(row.spend) })), reach };
}

export function clickRates(reach: ChannelReach, spend: number): { ctr: number | null; cpc: number | null } {
  return { ctr: reach.impressions > 0 ? reach.clicks / reach.impressions : null, cpc: reach.clicks > 0 ? spend / reach.clicks : null };
}
