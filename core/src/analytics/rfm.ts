/**
 * RFM: recency, frequency and monetary value per person over their orders, scored 1-5 by quintile
 * and named by tier. Definitions (docs/analytics.md):
 *
 * - An order is an order event in [from, to] and no later than the end of `asOf`'s day; events with
 *   the same order_id are one order (else each event is one), worth the largest revenue among them.
 * - recencyDays: whole UTC days from the date of the last order to `asOf` (default: the date of the
 *   last event in the data). frequency: distinct orders. monetary: total revenue of those orders.
 * - Scores say which fifth of buyers a person beats: 1 + floor(5 * share of buyers with a strictly
 *   worse value), so equal values share a score (the one-order majority all get F = 1) and the best
 *   fifth scores 5; for recency "worse" means "less recent".
 * - Tiers, first matching rule wins (RFM_TIERS).
 */
import { z } from 'zod';
import type { QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, personEvents } from './identity';
import { analysisBasis, type WithBasis } from './basis';
import { originCondition, originSchema, type Origin } from './origin';
import { checkRange, eventMatcherSchema, identitySchema, includeFlaggedSchema, isoTime, parseSpec, propertyName } from './spec';
import { and, DAY_MS, eventCondition, parseDate, parseInstant, propertyExpr, resolveProperty, sql, timeBounds, timeCondition, timestamp, type Sql } from './sql';

export const RFM_TIERS = [
  { tier: 'champions', rule: 'r >= 4 and f >= 4 and m >= 4', when: (r: number, f: number, m: number) => r >= 4 && f >= 4 && m >= 4 },
  { tier: 'loyal', rule: 'r >= 3 and f >= 4', when: (r: number, f: number) => r >= 3 && f >= 4 },
  { tier: 'new', rule: 'r >= 4 and exactly one order', when: (r: number, _f: number, _m: number, orders: number) => r >= 4 && orders === 1 },
  { tier: 'potential', rule: 'r >= 3', when: (r: number) => r >= 3 },
  { tier: 'at_risk', rule: 'r <= 2 and f >= 3', when: (r: number, f: number) => r <= 2 && f >= 3 },
  { tier: 'hibernating', rule: 'r = 2', when: (r: number) => r === 2 },
  { tier: 'lost', rule: 'r = 1', when: (r: number) => r === 1 },
] as const;

export type RfmTier = (typeof RFM_TIERS)[number]['tier'];
export const RFM_TIER_NAMES = RFM_TIERS.map((t) => t.tier) as RfmTier[];

/** The fields of an analysis over orders (RFM, customer value): which rows are orders, as of when, over which origin. */
export const ORDER_SPEC_FIELDS = {
  order: eventMatcherSchema.default({ event: 'Order Completed' }),
  revenueProperty: propertyName.default('revenue'),
  asOf: isoTime.optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  identity: identitySchema.default('merged'),
  includeFlagged: includeFlaggedSchema,
  /** orders of every origin, online only or offline (imported) only */
  origin: originSchema,
};

export const rfmSpecSchema = z.strictObject(ORDER_SPEC_FIELDS).superRefine(checkRange);

export type RfmSpecInput = z.input<typeof rfmSpecSchema>;
export type RfmSpec = z.output<typeof rfmSpecSchema>;

export interface RfmPerson {
  person: string;
  recencyDays: number;
  frequency: number;
  monetary: number;
  r: number;
  f: number;
  m: number;
  tier: RfmTier;
}

export interface RfmResult {
  /** The day recency is measured to. */
  asOf: string;
  persons: RfmPerson[];
  tiers: { tier: RfmTier; persons: number; revenueShare: number }[];
}

export function parseRfmSpec(input: unknown): RfmSpec {
  return parseSpec(rfmSpecSchema, input);
}

/** `asOf` as a UTC date; a time is reduced to its UTC date. */
function asOfDay(text: string): number {
  const date = parseDate(text);
  if (date !== null) return date;
  const ms = parseInstant(text)!;
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** The tier as SQL, from the same rules as RFM_TIERS. */
function tierSql(): Sql {
  return sql`CASE
    WHEN r >= 4 AND f >= 4 AND m >= 4 THEN 'champions'
    WHEN r >= 3 AND f >= 4 THEN 'loyal'
    WHEN r >= 4 AND frequency = 1 THEN 'new'
    WHEN r >= 3 THEN 'potential'
    WHEN f >= 3 THEN 'at_risk'
    WHEN r = 2 THEN 'hibernating'
    ELSE 'lost' END`;
}

function score(orderBy: Sql): Sql {
  // 1 + floor(5 * buyers strictly worse / buyers), in integers; rank() - 1 counts the strictly worse.
  return sql`(1 + (5 * (rank() OVER (ORDER BY ${orderBy}) - 1)) // count(*) OVER ())::INTEGER`;
}

/** Per person: person, recency_days, frequency, monetary, r, f, m, tier. `asOfDayMs` is a UTC midnight. */
export function rfmScoresSql(spec: Omit<RfmSpec, 'origin'> & { origin?: Origin }, asOfDayMs: number): Sql {
  const bounds = timeBounds(spec.from, spec.to);
  const cutoff = timestamp(asOfDayMs + DAY_MS);
  const revenue = propertyExpr(resolveProperty(spec.revenueProperty));
  const amount = revenue.kind === 'number' && !revenue.text ? revenue.sql : sql`TRY_CAST(${revenue.sql} AS DOUBLE)`;
  return sql`WITH orders AS (
      SELECT person, coalesce(order_id, event_id) AS order_key, max("timestamp") AS ts, max(${amount}) AS amount
      FROM ${personEvents(spec.identity, undefined, { includeFlagged: spec.includeFlagged })}
      WHERE ${and([eventCondition(spec.order), timeCondition(bounds), sql`"timestamp" < ${cutoff}`, originCondition(spec.origin ?? 'all')])}
      GROUP BY person, order_key
    ),
    buyers AS (
      SELECT person,
        (CAST(${timestamp(asOfDayMs)} AS DATE) - CAST(max(ts) AS DATE))::INTEGER AS recency_days,
        count(*)::INTEGER AS frequency,
        coalesce(sum(amount), 0)::DOUBLE AS monetary
      FROM orders GROUP BY person
    ),
    scored AS (
      SELECT *, ${score(sql`recency_days DESC`)} AS r, ${score(sql`frequency`)} AS f, ${score(sql`monetary`)} AS m FROM buyers
    )
    SELECT person, recency_days, frequency, monetary, r, f, m, ${tierSql()} AS tier FROM scored`;
}

/** The `asOf` day: the spec's, else the UTC date of the last event. */
export async function resolveAsOf(engine: QueryEngine, asOf: string | undefined): Promise<number> {
  if (asOf !== undefined) return asOfDay(asOf);
  const [row] = await engine.query<{ last: number | null }>('SELECT epoch_ms(max("timestamp")) AS last FROM events');
  const last = row?.last === null || row?.last === undefined ? Date.now() : Number(row.last);
  return Math.floor(last / DAY_MS) * DAY_MS;
}

export async function runRfm(engine: QueryEngine, input: RfmSpec | RfmSpecInput): Promise<WithBasis<RfmResult>> {
  const spec = parseRfmSpec(input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const day = await resolveAsOf(engine, spec.asOf);
  const query = sql`${rfmScoresSql(spec, day)} ORDER BY monetary DESC, person`;
  const rows = await engine.query<{ person: string; recency_days: number; frequency: number; monetary: number; r: number; f: number; m: number; tier: RfmTier }>(
    query.text,
    query.params,
  );
  const persons = rows.map((row) => ({
    person: String(row.person),
    recencyDays: Number(row.recency_days),
    frequency: Number(row.frequency),
    monetary: Number(row.monetary),
    r: Number(row.r),
    f: Number(row.f),
    m: Number(row.m),
    tier: row.tier,
  }));
  const totalRevenue = persons.reduce((sum, p) => sum + p.monetary, 0);
  const tiers = RFM_TIER_NAMES.map((tier) => {
    const members = persons.filter((p) => p.tier === tier);
    const revenue = members.reduce((sum, p) => sum + p.monetary, 0);
    return { tier, persons: members.length, revenueShare: totalRevenue === 0 ? 0 : revenue / totalRevenue };
  });
  const bounds = timeBounds(spec.from, spec.to);
  const cutoff = day + DAY_MS;
  const span = { fromMs: bounds.fromMs, toMs: Math.min(bounds.toMs ?? cutoff, cutoff) };
  const basis = await analysisBasis(engine, { identity: spec.identity, includeFlagged: spec.includeFlagged, spans: [span], orders: { matchers: [spec.order] } });
  return { asOf: new Date(day).toISOString().slice(0, 10), persons, tiers, basis };
}
