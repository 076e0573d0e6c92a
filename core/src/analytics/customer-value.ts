/**
 * Customer value over the orders of one origin (online, offline = imported, or all; origin.ts), in a window:
 * CLV / LTV, repurchase rate, first-purchase rate and lifecycle stages. Definitions (docs/analytics.md):
 *
 * - Orders as in RFM: order events no later than the end of `asOf`'s day (default: the day of the last event), the
 *   events of one order_id one order (else each event one), worth their largest revenue, at their latest time.
 * - The window is [from, to] up to the end of the as-of day (no `from`: from the first row).
 * - customers: persons with an order in the window; revenue, orders: those orders.
 * - historicalClv (LTV so far): revenue / customers, the average revenue per customer in the window.
 * - aov = revenue / orders; purchaseFrequency = orders / customers.
 * - repurchaseRate: customers with 2 or more orders in the window / customers.
 * - predictiveClv, the simple formula aov × purchase frequency × expected lifespan, with lifespan counted in windows
 *   and estimated as 1 / churn rate, churn rate = 1 - repurchaseRate (a customer buys again in a window of the same
 *   length with the probability of the repurchase rate: a geometric lifetime). It equals historicalClv / (1 -
 *   repurchaseRate); null without customers or when every customer repurchased (no churn seen). Revenue, not margin.
 * - firstPurchaseRate: persons whose first order ever (of the origin, up to the as-of day) lies in the window /
 *   persons with a row of the origin in the window (visitors for online, offline customers for offline).
 * - lifecycle: the lifecycle tag (person-tags.ts) of every person with a row of the origin up to the as-of day,
 *   computed over those rows only: "online" stages follow live traffic, "offline" ones imported rows.
 */
import { z } from 'zod';
import type { QueryEngine } from '../engine/query-engine';
import { analysisBasis, type WithBasis } from './basis';
import { ensurePersonMap, personEvents } from './identity';
import { originCondition } from './origin';
import { LIFECYCLE_STAGES, lifecycleSchema, personTagsSql, tagEventColumns } from './person-tags';
import { ORDER_SPEC_FIELDS, resolveAsOf } from './rfm';
import { checkRange, parseSpec } from './spec';
import { and, columnsFor, DAY_MS, eventCondition, matcherProperties, propertyExpr, resolveProperty, sql, timeBounds, timeCondition, timestamp, type TimeBounds } from './sql';

export const customerValueSpecSchema = z
  .strictObject({
    ...ORDER_SPEC_FIELDS,
    lifecycle: lifecycleSchema.default({ newDays: 7, activeDays: 30, churnDays: 90 }),
  })
  .superRefine(checkRange);

export type CustomerValueSpecInput = z.input<typeof customerValueSpecSchema>;
export type CustomerValueSpec = z.output<typeof customerValueSpecSchema>;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export interface CustomerValueResult {
  /** The as-of day (YYYY-MM-DD). */
  asOf: string;
  origin: CustomerValueSpec['origin'];
  /** The window, as inclusive UTC instants (from null: from the first row). */
  window: { from: string | null; to: string };
  /** Persons with a row of the origin in the window. */
  persons: number;
  customers: number;
  orders: number;
  revenue: number;
  aov: number | null;
  purchaseFrequency: number | null;
  historicalClv: number | null;
  repeatCustomers: number;
  repurchaseRate: number | null;
  /** 1 / (1 - repurchaseRate), in windows; null when nobody churned or nobody bought. */
  expectedLifespanWindows: number | null;
  predictiveClv: number | null;
  firstTimeBuyers: number;
  firstPurchaseRate: number | null;
  lifecycle: { stage: LifecycleStage; persons: number }[];
}

export function parseCustomerValueSpec(input: unknown): CustomerValueSpec {
  return parseSpec(customerValueSpecSchema, input);
}

export async function runCustomerValue(engine: QueryEngine, input: CustomerValueSpec | CustomerValueSpecInput): Promise<WithBasis<CustomerValueResult>> {
  const spec = parseCustomerValueSpec(input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const day = await resolveAsOf(engine, spec.asOf);
  const cutoffMs = day + DAY_MS;
  const bounds = timeBounds(spec.from, spec.to);
  const window: TimeBounds = { fromMs: bounds.fromMs, toMs: Math.min(bounds.toMs ?? cutoffMs, cutoffMs) };
  const tagOptions = { orderEvent: spec.order, revenueProperty: spec.revenueProperty, lifecycle: spec.lifecycle, identity: spec.identity, includeFlagged: spec.includeFlagged };
  const columns = columnsFor([spec.revenueProperty, ...matcherProperties([spec.order]), 'properties.source'], ['timestamp', 'event', 'event_id', 'order_id', ...tagEventColumns(tagOptions, ['lifecycle'])]);
  const revenue = propertyExpr(resolveProperty(spec.revenueProperty));
  const amount = revenue.kind === 'number' && !revenue.text ? revenue.sql : sql`TRY_CAST(${revenue.sql} AS DOUBLE)`;
  const inWindow = (column = sql`"timestamp"`) => timeCondition(window, column);
  const query = sql`WITH pe AS MATERIALIZED (
      SELECT * FROM ${personEvents(spec.identity, columns, { includeFlagged: spec.includeFlagged })}
      WHERE ${and([sql`"timestamp" < ${timestamp(cutoffMs)}`, originCondition(spec.origin)])}
    ),
    orders AS (
      SELECT person, coalesce(order_id, event_id) AS order_key, max("timestamp") AS ts, max(${amount}) AS amount
      FROM pe WHERE ${eventCondition(spec.order)} GROUP BY person, order_key
    ),
    window_orders AS (SELECT * FROM orders WHERE ${inWindow(sql`ts`)}),
    buyers AS (SELECT person, count(*) AS n, coalesce(sum(amount), 0) AS revenue FROM window_orders GROUP BY person),
    firsts AS (SELECT person, min(ts) AS first_ts FROM orders GROUP BY person),
    stages AS (${personTagsSql(tagOptions, cutoffMs, ['lifecycle'], { events: sql`pe` })})
    SELECT
      (SELECT count(DISTINCT person) FROM pe WHERE ${inWindow()})::BIGINT AS persons,
      (SELECT count(*) FROM buyers)::BIGINT AS customers,
      (SELECT count(*) FILTER (WHERE n >= 2) FROM buyers)::BIGINT AS repeat_customers,
      (SELECT count(*) FROM window_orders)::BIGINT AS orders,
      (SELECT coalesce(sum(revenue), 0) FROM buyers)::DOUBLE AS revenue,
      (SELECT count(*) FROM firsts WHERE ${inWindow(sql`first_ts`)})::BIGINT AS first_time_buyers,
      (SELECT list({'stage': lifecycle, 'persons': n}) FROM (SELECT lifecycle, count(*)::BIGINT AS n FROM stages GROUP BY lifecycle)) AS stages`;
  const [row] = await engine.query<Record<string, unknown>>(query.text, query.params);
  const n = (key: string) => Number(row?.[key] ?? 0);
  const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
  const customers = n('customers');
  const orders = n('orders');
  const revenueTotal = n('revenue');
  const repurchaseRate = ratio(n('repeat_customers'), customers);
  const historicalClv = ratio(revenueTotal, customers);
  const expectedLifespanWindows = repurchaseRate === null || repurchaseRate >= 1 ? null : 1 / (1 - repurchaseRate);
  const stageCounts = new Map(((row?.stages as { stage: string; persons: number }[] | null) ?? []).map((s) => [s.stage, Number(s.persons)]));
  const basis = await analysisBasis(engine, { identity: spec.identity, includeFlagged: spec.includeFlagged, spans: [window], orders: { matchers: [spec.order] } });
  return {
    asOf: new Date(day).toISOString().slice(0, 10),
    origin: spec.origin,
    window: { from: window.fromMs === null ? null : new Date(window.fromMs).toISOString(), to: new Date(window.toMs! - 1).toISOString() },
    persons: n('persons'),
    customers,
    orders,
    revenue: revenueTotal,
    aov: ratio(revenueTotal, orders),
    purchaseFrequency: ratio(orders, customers),
    historicalClv,
    repeatCustomers: n('repeat_customers'),
    repurchaseRate,
    expectedLifespanWindows,
    predictiveClv: historicalClv === null || expectedLifespanWindows === null ? null : historicalClv * expectedLifespanWindows,
    firstTimeBuyers: n('first_time_buyers'),
    firstPurchaseRate: ratio(n('first_time_buyers'), n('persons')),
    lifecycle: LIFECYCLE_STAGES.map((stage) => ({ stage, persons: stageCounts.get(stage) ?? 0 })),
    basis,
  };
}
