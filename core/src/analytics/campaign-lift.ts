/**
 * Campaign lift: a campaign period against a baseline period (before / after, or campaign days
 * against normal days). Semantics (docs/marketing-analytics.md):
 *
 * - Periods are [from, to] in UTC (a date-only `to` covers its whole day) and must not overlap.
 * - Active persons of a period: persons with an `active` event in it (any event by default).
 *   Conversion rate = active persons with a `conversion` event in the period / active persons.
 *   Revenue per active person: the sum of `revenueProperty` over their conversions (0 without one).
 * - Daily conversions and revenue: totals of every conversion per UTC day of the period, days
 *   without one count as 0.
 * - Retention: of the period's active persons, the share with a `retention.returnEvent` (any event
 *   by default) within `retention.window` after the period ends; incomplete when the data ends
 *   before that window does.
 * - Lift (campaign - baseline) with 95% intervals and two-sided p-values: two-proportion z test for
 *   conversion and retention rates, Welch's t test for revenue per person and for the daily totals
 *   (each day one observation). This is an observational comparison: seasonality, other campaigns and
 *   persons active in both periods are not controlled for.
 */
import { z } from 'zod';
import type { QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, personEvents } from './identity';
import { analysisBasis, type WithBasis } from './basis';
import { unflaggedCondition } from './quality-gate';
import { eventMatcherSchema, identitySchema, includeFlaggedSchema, isoTime, parseSpec, propertyName, windowSchema } from './spec';
import {
  and,
  columnsFor,
  DAY_MS,
  eventCondition,
  matcherProperties,
  propertyExpr,
  resolveProperty,
  sql,
  timeBounds,
  timestamp,
  WINDOW_UNITS,
  type EventMatcher,
  type Sql,
} from './sql';
import { summarise, twoProportionTest, welchTest, type ProportionTest, type SampleSummary, type WelchTest } from './stats';

const periodSchema = z.strictObject({ from: isoTime, to: isoTime }).superRefine((period, ctx) => {
  const { fromMs, toMs } = timeBounds(period.from, period.to);
  if (fromMs! >= toMs!) ctx.addIssue({ code: 'custom', path: ['to'], message: `"to" (${period.to}) must be after "from" (${period.from})` });
});

export const campaignLiftSpecSchema = z
  .strictObject({
    campaign: periodSchema,
    baseline: periodSchema,
    conversion: eventMatcherSchema.default({ event: 'Order Completed' }),
    active: eventMatcherSchema.optional(),
    revenueProperty: propertyName.default('revenue'),
    retention: z
      .strictObject({ window: windowSchema.default({ value: 7, unit: 'day' }), returnEvent: eventMatcherSchema.optional() })
      .default({ window: { value: 7, unit: 'day' } }),
    identity: identitySchema.default('merged'),
    includeFlagged: includeFlaggedSchema,
  })
  .superRefine((spec, ctx) => {
    const a = timeBounds(spec.campaign.from, spec.campaign.to);
    const b = timeBounds(spec.baseline.from, spec.baseline.to);
    if (a.fromMs! < b.toMs! && b.fromMs! < a.toMs!) ctx.addIssue({ code: 'custom', path: ['baseline'], message: 'the baseline period overlaps the campaign period' });
  });

export type CampaignLiftSpecInput = z.input<typeof campaignLiftSpecSchema>;
export type CampaignLiftSpec = z.output<typeof campaignLiftSpecSchema>;

export interface PeriodMetrics {
  from: string;
  /** Exclusive end. */
  to: string;
  days: number;
  activePersons: number;
  converters: number;
  conversionRate: number;
  conversions: number;
  revenue: number;
  revenuePerPerson: number;
  dailyConversions: SampleSummary;
  dailyRevenue: SampleSummary;
  retention: { cohort: number; retained: number; rate: number; complete: boolean };
}

export interface CampaignLiftResult {
  campaign: PeriodMetrics;
  baseline: PeriodMetrics;
  lift: {
    conversionRate: ProportionTest;
    revenuePerPerson: WelchTest;
    dailyConversions: WelchTest;
    dailyRevenue: WelchTest;
    retention: ProportionTest;
  };
  warnings: string[];
}

export function parseCampaignLiftSpec(input: unknown): CampaignLiftSpec {
  return parseSpec(campaignLiftSpecSchema, input);
}

function flag(matcher: EventMatcher | undefined): Sql {
  return matcher ? sql`coalesce(${eventCondition(matcher)}, false)` : sql`TRUE`;
}

function periodSql(spec: CampaignLiftSpec, fromMs: number, toMs: number): Sql {
  const revenue = propertyExpr(resolveProperty(spec.revenueProperty));
  const amount = revenue.kind === 'number' && !revenue.text ? revenue.sql : sql`TRY_CAST(${revenue.sql} AS DOUBLE)`;
  const retentionEnd = toMs + spec.retention.window.value * WINDOW_UNITS[spec.retention.window.unit];
  const matchers = [spec.conversion, spec.active, spec.retention.returnEvent].filter((m): m is EventMatcher => m !== undefined);
  const columns = columnsFor([spec.revenueProperty, ...matcherProperties(matchers)], ['event_id', 'timestamp', 'event']);
  const to = timestamp(toMs);
  return sql`WITH pe AS MATERIALIZED (
      SELECT person, "timestamp" AS ts, ${flag(spec.active)} AS is_active, ${flag(spec.conversion)} AS is_conv, ${flag(spec.retention.returnEvent)} AS is_return,
        CASE WHEN ${flag(spec.conversion)} THEN coalesce(${amount}, 0) END AS amount
      FROM ${personEvents(spec.identity, columns, { includeFlagged: spec.includeFlagged })}
      WHERE ${and([sql`"timestamp" >= ${timestamp(fromMs)}`, sql`"timestamp" < ${timestamp(retentionEnd)}`])}
    ),
    active AS (SELECT DISTINCT person FROM pe WHERE ts < ${to} AND is_active),
    bought AS (SELECT person, count(*) AS n, sum(amount) AS revenue FROM pe WHERE ts < ${to} AND is_conv GROUP BY person),
    returned AS (SELECT DISTINCT person FROM pe WHERE ts >= ${to} AND is_return)
    SELECT count(*)::BIGINT AS active, count(b.person)::BIGINT AS converters,
      coalesce(sum(coalesce(b.revenue, 0)), 0)::DOUBLE AS active_revenue,
      coalesce(var_samp(coalesce(b.revenue, 0)), 0)::DOUBLE AS revenue_variance,
      count(r.person)::BIGINT AS retained,
      (SELECT count(*) FROM pe WHERE ts < ${to} AND is_conv)::BIGINT AS conversions,
      (SELECT coalesce(sum(amount), 0) FROM pe WHERE ts < ${to} AND is_conv)::DOUBLE AS revenue,
      (SELECT epoch_ms(max("timestamp")) FROM events) AS data_end
    FROM active a LEFT JOIN bought b ON b.person = a.person LEFT JOIN returned r ON r.person = a.person`;
}

function dailySql(spec: CampaignLiftSpec, fromMs: number, toMs: number): Sql {
  const revenue = propertyExpr(resolveProperty(spec.revenueProperty));
  const amount = revenue.kind === 'number' && !revenue.text ? revenue.sql : sql`TRY_CAST(${revenue.sql} AS DOUBLE)`;
  return sql`SELECT epoch_ms(date_trunc('day', "timestamp")) AS day, count(*)::BIGINT AS conversions, coalesce(sum(coalesce(${amount}, 0)), 0)::DOUBLE AS revenue
    FROM events WHERE ${and([eventCondition(spec.conversion), sql`"timestamp" >= ${timestamp(fromMs)}`, sql`"timestamp" < ${timestamp(toMs)}`, ...(spec.includeFlagged ? [] : [unflaggedCondition()])])}
    GROUP BY day ORDER BY day`;
}

interface Measured {
  metrics: PeriodMetrics;
  revenuePerPerson: SampleSummary;
}

async function measure(engine: QueryEngine, spec: CampaignLiftSpec, period: { from: string; to: string }): Promise<Measured> {
  const { fromMs, toMs } = timeBounds(period.from, period.to) as { fromMs: number; toMs: number };
  const query = periodSql(spec, fromMs, toMs);
  const [row = {}] = await engine.query(query.text, query.params);
  const daily = dailySql(spec, fromMs, toMs);
  const dayRows = await engine.query<{ day: number; conversions: number; revenue: number }>(daily.text, daily.params);
  const firstDay = Math.floor(fromMs / DAY_MS) * DAY_MS;
  const days = Math.ceil((toMs - firstDay) / DAY_MS);
  const conversionsPerDay = new Array<number>(days).fill(0);
  const revenuePerDay = new Array<number>(days).fill(0);
  for (const d of dayRows) {
    const i = Math.round((Number(d.day) - firstDay) / DAY_MS);
    conversionsPerDay[i] = Number(d.conversions);
    revenuePerDay[i] = Number(d.revenue);
  }
  const n = (key: string) => Number((row as Record<string, unknown>)[key] ?? 0);
  const active = n('active');
  const retentionEnd = toMs + spec.retention.window.value * WINDOW_UNITS[spec.retention.window.unit];
  const dataEnd = (row as Record<string, unknown>).data_end;
  const metrics: PeriodMetrics = {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    days,
    activePersons: active,
    converters: n('converters'),
    conversionRate: active ? n('converters') / active : 0,
    conversions: n('conversions'),
    revenue: n('revenue'),
    revenuePerPerson: active ? n('active_revenue') / active : 0,
    dailyConversions: summarise(conversionsPerDay),
    dailyRevenue: summarise(revenuePerDay),
    retention: { cohort: active, retained: n('retained'), rate: active ? n('retained') / active : 0, complete: dataEnd !== null && dataEnd !== undefined && Number(dataEnd) >= retentionEnd - 1 },
  };
  return { metrics, revenuePerPerson: { n: active, mean: metrics.revenuePerPerson, variance: n('revenue_variance') } };
}

export async function runCampaignLift(engine: QueryEngine, input: CampaignLiftSpec | CampaignLiftSpecInput): Promise<WithBasis<CampaignLiftResult>> {
  const spec = parseCampaignLiftSpec(input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const campaign = await measure(engine, spec, spec.campaign);
  const baseline = await measure(engine, spec, spec.baseline);
  const c = campaign.metrics;
  const b = baseline.metrics;
  const warnings: string[] = [];
  for (const [name, m] of [['campaign', c], ['baseline', b]] as const) {
    if (!m.retention.complete) warnings.push(`the ${name} retention window runs past the end of the data: its retention rate is a lower bound`);
    if (m.activePersons < 100) warnings.push(`the ${name} period has ${m.activePersons} active persons: rates are very uncertain`);
    if (m.days < 7) warnings.push(`the ${name} period has ${m.days} day(s): daily comparisons need about 7 or more days per period to be meaningful`);
  }
  // The basis counts the two periods' events; the retention windows after them only answer who came back.
  const spans = [timeBounds(spec.baseline.from, spec.baseline.to), timeBounds(spec.campaign.from, spec.campaign.to)];
  const basis = await analysisBasis(engine, { identity: spec.identity, includeFlagged: spec.includeFlagged, spans, orders: { matchers: [spec.conversion] } });
  return {
    campaign: c,
    baseline: b,
    lift: {
      conversionRate: twoProportionTest(b.converters, b.activePersons, c.converters, c.activePersons),
      revenuePerPerson: welchTest(baseline.revenuePerPerson, campaign.revenuePerPerson),
      dailyConversions: welchTest(b.dailyConversions, c.dailyConversions),
      dailyRevenue: welchTest(b.dailyRevenue, c.dailyRevenue),
      retention: twoProportionTest(b.retention.retained, b.retention.cohort, c.retention.retained, c.retention.cohort),
    },
    warnings,
    basis,
  };
}
