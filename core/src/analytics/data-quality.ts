/**
 * Data quality: logical checks on stored events, and the edge's collection counters shaped into a
 * report. Definitions (docs/marketing-analytics.md):
 *
 * Checks on the events table (runDataQuality), each reported as total / failing / examples:
 *   clicks_above_impressions      per campaign (and per UTC day with `perDay`): clicks > impressions;
 *                                  only checked when impression or click events exist
 *   conversion_before_first_touch  conversions earlier than the person's first touch (with
 *                                  `campaignProperty`: the first touch carrying the conversion's value)
 *   conversion_without_touch       conversions of persons without any touch (same matching)
 *   negative_revenue               conversions with revenue < 0
 *   conversion_without_order_id    conversions without order_id
 *   duplicate_order_id             order ids on more than one conversion event (failing = extra events)
 *   event_after_receipt            events timestamped more than 5 minutes after the edge received them
 * plus the count of every quality flag the edge set (QUALITY_FLAGS).
 *
 * Counters (qualityReportFromCounters): `GET /v1/sites/<site>/live` returns per-minute and per-day
 * counts of `accepted`, `duplicate`, `bot:<reason>`, `rejected:<reason>` and `flag:<flag>`. Received =
 * accepted + duplicate + bots + rejected; acceptRate = accepted / (accepted + rejected) (bots and
 * duplicates are removed on purpose, not failures); the target is acceptRate >= 0.99.
 */
import { identityCoverage, type IdentityCoverage } from './identity-coverage';
import { lifecycleSchema } from './person-tags';
import { resolveAsOfInstant } from './segments';
import { tagCoverage, type TagCoverage } from './tag-coverage';
import { z } from 'zod';
import { EVENTS_TABLE, type QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, personEvents } from './identity';
import { analysisBasis, type WithBasis } from './basis';
import { checkRange, eventMatcherSchema, identitySchema, isoTime, parseSpec, propertyName } from './spec';
import {
  and,
  columnsFor,
  eventCondition,
  ident,
  matcherProperties,
  milliseconds,
  propertyAsText,
  propertyExpr,
  resolveProperty,
  sql,
  timeBounds,
  timeCondition,
  type Sql,
} from './sql';

export const dataQualitySpecSchema = z.strictObject({
  impressions: eventMatcherSchema.default({ event: 'Promotion Viewed' }),
  clicks: eventMatcherSchema.default({ event: 'Promotion Clicked' }),
  /** Property naming the campaign of impression and click events. */
  campaignOf: propertyName.default('promotion_id'),
  perDay: z.boolean().default(false),
  conversion: eventMatcherSchema.default({ event: 'Order Completed' }),
  touch: eventMatcherSchema.default({ event: 'page' }),
  /** When set, a conversion is checked against the person's touches with the same value of it (e.g. utm_campaign). */
  campaignProperty: propertyName.optional(),
  revenueProperty: propertyName.default('revenue'),
  examples: z.number().int().min(0).max(100).default(10),
  from: isoTime.optional(),
  to: isoTime.optional(),
  identity: identitySchema.default('merged'),
}).superRefine(checkRange);

export type DataQualitySpecInput = z.input<typeof dataQualitySpecSchema>;
export type DataQualitySpec = z.output<typeof dataQualitySpecSchema>;

export const QUALITY_CHECKS = [
  'clicks_above_impressions',
  'conversion_before_first_touch',
  'conversion_without_touch',
  'negative_revenue',
  'conversion_without_order_id',
  'duplicate_order_id',
  'event_after_receipt',
] as const;
export type QualityCheckId = (typeof QUALITY_CHECKS)[number];

export interface QualityCheck {
  id: QualityCheckId;
  /** False when the data has nothing to check (e.g. no impression or click events). */
  checked: boolean;
  /** Units checked: campaigns (or campaign days), conversions, events. */
  total: number;
  failing: number;
  /** Up to `examples` failing units: campaign names, event ids or order ids. */
  examples: string[];
}

export interface DataQualityResult {
  events: number;
  checks: QualityCheck[];
  /** Stored events per quality flag. */
  flags: Record<string, number>;
  /** Identity link rates, online / offline included (identity-coverage.ts); null with identity "none". */
  identity: IdentityCoverage | null;
  /** Share of persons with each person tag and declared attribute, as of `to` (else the last event) (tag-coverage.ts). */
  tagCoverage: TagCoverage;
}

export function parseDataQualitySpec(input: unknown): DataQualitySpec {
  return parseSpec(dataQualitySpecSchema, input);
}

const FUTURE_TOLERANCE_MS = 5 * 60_000;

function numeric(name: string): Sql {
  const value = propertyExpr(resolveProperty(name));
  return value.kind === 'number' && !value.text ? value.sql : sql`TRY_CAST(${value.sql} AS DOUBLE)`;
}

/** Campaigns (or campaign days) with impression and click counts; `failing` rows have more clicks. */
function clicksSql(spec: DataQualitySpec): Sql {
  const campaign = propertyAsText(resolveProperty(spec.campaignOf));
  const day = spec.perDay ? sql` || ' ' || strftime("timestamp", '%Y-%m-%d')` : sql``;
  return sql`SELECT coalesce(${campaign}, '(none)')${day} AS unit,
      count(*) FILTER (WHERE ${eventCondition(spec.impressions)})::BIGINT AS impressions,
      count(*) FILTER (WHERE ${eventCondition(spec.clicks)})::BIGINT AS clicks
    FROM ${ident(EVENTS_TABLE)}
    WHERE ${and([timeCondition(timeBounds(spec.from, spec.to)), sql`(${eventCondition(spec.impressions)} OR ${eventCondition(spec.clicks)})`])}
    GROUP BY unit ORDER BY clicks - impressions DESC, unit`;
}

/** Per conversion: event_id, order_id, revenue, before_touch, without_touch. */
function conversionsSql(spec: DataQualitySpec): Sql {
  const key = spec.campaignProperty ? propertyAsText(resolveProperty(spec.campaignProperty)) : sql`''`;
  const columns = columnsFor([spec.revenueProperty, ...(spec.campaignProperty ? [spec.campaignProperty] : []), ...matcherProperties([spec.conversion, spec.touch])], ['event_id', 'timestamp', 'event', 'order_id']);
  return sql`WITH pe AS MATERIALIZED (
      SELECT person, "timestamp" AS ts, event_id, order_id, ${numeric(spec.revenueProperty)} AS revenue, ${key} AS k,
        coalesce(${eventCondition(spec.conversion)}, false) AS is_conv, coalesce(${eventCondition(spec.touch)}, false) AS is_touch
      FROM ${personEvents(spec.identity, columns, { includeFlagged: true })}
    ),
    first_touch AS (SELECT person, k, min(ts) AS ts FROM pe WHERE is_touch GROUP BY person, k)
    SELECT c.event_id, c.order_id, c.revenue,
      (t.ts IS NOT NULL AND c.ts < t.ts) AS before_touch,
      (t.ts IS NULL) AS without_touch
    FROM pe c LEFT JOIN first_touch t ON t.person = c.person AND t.k IS NOT DISTINCT FROM c.k
    WHERE c.is_conv AND ${timeCondition(timeBounds(spec.from, spec.to), sql`c.ts`)} ${spec.campaignProperty ? sql`AND c.k IS NOT NULL` : sql``}
    ORDER BY c.ts, c.event_id`;
}

function summarySql(spec: DataQualitySpec): Sql {
  return sql`SELECT count(*)::BIGINT AS events,
      count(*) FILTER (WHERE "timestamp" > received_at + ${milliseconds(FUTURE_TOLERANCE_MS)})::BIGINT AS after_receipt,
      list(event_id ORDER BY event_id) FILTER (WHERE "timestamp" > received_at + ${milliseconds(FUTURE_TOLERANCE_MS)}) AS after_receipt_ids
    FROM ${ident(EVENTS_TABLE)} WHERE ${timeCondition(timeBounds(spec.from, spec.to))}`;
}

function flagsSql(spec: DataQualitySpec): Sql {
  return sql`SELECT flag, count(*)::BIGINT AS n FROM (
      SELECT unnest(string_split(quality_flags, ',')) AS flag FROM ${ident(EVENTS_TABLE)} WHERE quality_flags <> '' AND ${timeCondition(timeBounds(spec.from, spec.to))}
    ) WHERE flag <> '' GROUP BY flag ORDER BY flag`;
}

/** Data quality reads flagged rows too: reporting them is its purpose. */
export async function runDataQuality(engine: QueryEngine, input: DataQualitySpec | DataQualitySpecInput): Promise<WithBasis<DataQualityResult>> {
  const spec = parseDataQualitySpec(input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const run = async <T extends Record<string, unknown>>(query: Sql) => engine.query<T>(query.text, query.params);
  const checks: QualityCheck[] = [];
  const take = (values: readonly unknown[]) => values.slice(0, spec.examples).map(String);

  const units = await run<{ unit: string; impressions: number; clicks: number }>(clicksSql(spec));
  const over = units.filter((u) => Number(u.clicks) > Number(u.impressions));
  checks.push({ id: 'clicks_above_impressions', checked: units.length > 0, total: units.length, failing: over.length, examples: take(over.map((u) => `${u.unit}: ${u.clicks} clicks, ${u.impressions} impressions`)) });

  const conversions = await run<{ event_id: string; order_id: string | null; revenue: number | null; before_touch: boolean; without_touch: boolean }>(conversionsSql(spec));
  const pick = (predicate: (c: (typeof conversions)[number]) => boolean, label: (c: (typeof conversions)[number]) => string = (c) => c.event_id) => {
    const failing = conversions.filter(predicate);
    return { checked: conversions.length > 0, total: conversions.length, failing: failing.length, examples: take(failing.map(label)) };
  };
  checks.push({ id: 'conversion_before_first_touch', ...pick((c) => c.before_touch === true) });
  checks.push({ id: 'conversion_without_touch', ...pick((c) => c.without_touch === true) });
  checks.push({ id: 'negative_revenue', ...pick((c) => c.revenue !== null && Number(c.revenue) < 0) });
  checks.push({ id: 'conversion_without_order_id', ...pick((c) => c.order_id === null) });
  const seen = new Map<string, number>();
  for (const c of conversions) if (c.order_id !== null) seen.set(c.order_id, (seen.get(c.order_id) ?? 0) + 1);
  const duplicated = [...seen].filter(([, n]) => n > 1);
  checks.push({ id: 'duplicate_order_id', checked: seen.size > 0, total: conversions.length, failing: duplicated.reduce((s, [, n]) => s + n - 1, 0), examples: take(duplicated.map(([id, n]) => `${id} x${n}`)) });

  const [summary] = await run<{ events: number; after_receipt: number; after_receipt_ids: string[] | null }>(summarySql(spec));
  const events = Number(summary?.events ?? 0);
  checks.push({ id: 'event_after_receipt', checked: events > 0, total: events, failing: Number(summary?.after_receipt ?? 0), examples: take(summary?.after_receipt_ids ?? []) });

  const flags = Object.fromEntries((await run<{ flag: string; n: number }>(flagsSql(spec))).map((r) => [r.flag, Number(r.n)]));
  const bounds = timeBounds(spec.from, spec.to);
  const basis = await analysisBasis(engine, { identity: spec.identity, includeFlagged: true, spans: [bounds], orders: { matchers: [spec.conversion] } });
  const identity = spec.identity === 'merged' ? await identityCoverage(engine, spec.conversion, spec.revenueProperty) : null;
  const tagOptions = { orderEvent: spec.conversion, revenueProperty: spec.revenueProperty, lifecycle: lifecycleSchema.parse({}), identity: spec.identity };
  const tags = await tagCoverage(engine, tagOptions, await resolveAsOfInstant(engine, spec.to));
  return { events, checks, flags, identity, tagCoverage: tags, basis };
}

// ---------------------------------------------------------------------------------------------
// Edge counters
// ---------------------------------------------------------------------------------------------

const counts = z.number().nonnegative().finite();
export const liveCountersSchema = z.object({
  site: z.string().max(256),
  minutes: z.array(z.object({ minute: z.string().max(40) }).catchall(counts)).max(48 * 60 + 1),
  daily: z.array(z.object({ date: z.string().max(10) }).catchall(counts)).max(100_000),
  generatedAt: z.string().max(40).optional(),
});

export type LiveCounters = z.input<typeof liveCountersSchema>;

export interface CollectionQuality {
  received: number;
  accepted: number;
  duplicates: number;
  bots: { total: number; byReason: Record<string, number> };
  rejected: { total: number; byReason: Record<string, number> };
  /** Flag occurrences (one event may carry several flags). */
  flags: { total: number; byFlag: Record<string, number> };
  /** accepted / (accepted + rejected); 1 when nothing arrived. */
  acceptRate: number;
  /** bots / received */
  botShare: number;
  /** duplicates / received */
  duplicateShare: number;
  meetsTarget: boolean;
}

export interface CollectionQualityReport {
  site: string;
  generatedAt: string | null;
  target: number;
  total: CollectionQuality;
  days: (CollectionQuality & { date: string })[];
  recent: CollectionQuality & { minutes: number; from: string | null; to: string | null };
  series: { minute: string; accepted: number; duplicates: number; bots: number; rejected: number }[];
}

export const ACCEPT_RATE_TARGET = 0.99;

function shape(metrics: Record<string, number>): CollectionQuality {
  const q: CollectionQuality = {
    received: 0,
    accepted: metrics.accepted ?? 0,
    duplicates: metrics.duplicate ?? 0,
    bots: { total: 0, byReason: {} },
    rejected: { total: 0, byReason: {} },
    flags: { total: 0, byFlag: {} },
    acceptRate: 1,
    botShare: 0,
    duplicateShare: 0,
    meetsTarget: true,
  };
  for (const [metric, count] of Object.entries(metrics)) {
    const colon = metric.indexOf(':');
    if (colon === -1) continue;
    const [kind, name] = [metric.slice(0, colon), metric.slice(colon + 1)];
    const bucket = kind === 'bot' ? q.bots.byReason : kind === 'rejected' ? q.rejected.byReason : kind === 'flag' ? q.flags.byFlag : null;
    if (!bucket) continue;
    bucket[name] = (bucket[name] ?? 0) + count;
    if (kind === 'bot') q.bots.total += count;
    else if (kind === 'rejected') q.rejected.total += count;
    else q.flags.total += count;
  }
  q.received = q.accepted + q.duplicates + q.bots.total + q.rejected.total;
  const validated = q.accepted + q.rejected.total;
  q.acceptRate = validated === 0 ? 1 : q.accepted / validated;
  q.botShare = q.received === 0 ? 0 : q.bots.total / q.received;
  q.duplicateShare = q.received === 0 ? 0 : q.duplicates / q.received;
  q.meetsTarget = q.acceptRate >= ACCEPT_RATE_TARGET;
  return q;
}

function metricsOf(row: Record<string, unknown>, skip: string): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(row)) if (key !== skip && typeof value === 'number') metrics[key] = value;
  return metrics;
}

function sum(rows: readonly Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const row of rows) for (const [k, v] of Object.entries(row)) total[k] = (total[k] ?? 0) + v;
  return total;
}

/** Shapes the body of `GET /v1/sites/<site>/live` (validated here) into a collection quality report. */
export function qualityReportFromCounters(body: unknown): CollectionQualityReport {
  const live = parseSpec(liveCountersSchema, body, 'live counters');
  const daily = live.daily.map((d) => ({ date: d.date, metrics: metricsOf(d, 'date') })).sort((a, b) => (a.date < b.date ? -1 : 1));
  const minutes = live.minutes.map((m) => ({ minute: m.minute, metrics: metricsOf(m, 'minute') }));
  const recent = shape(sum(minutes.map((m) => m.metrics)));
  return {
    site: live.site,
    generatedAt: live.generatedAt ?? null,
    target: ACCEPT_RATE_TARGET,
    total: shape(sum(daily.map((d) => d.metrics))),
    days: daily.map((d) => ({ date: d.date, ...shape(d.metrics) })),
    recent: { ...recent, minutes: minutes.length, from: minutes[0]?.minute ?? null, to: minutes[minutes.length - 1]?.minute ?? null },
    series: minutes.map((m) => {
      const q = shape(m.metrics);
      return { minute: m.minute, accepted: q.accepted, duplicates: q.duplicates, bots: q.bots.total, rejected: q.rejected.total };
    }),
  };
}
