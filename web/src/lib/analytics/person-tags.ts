/**
 * Person tags computed from behaviour up to an instant `asOf` (exclusive), one row per person:
 *
 *   first_seen, last_seen   first and last event time
 *   lifecycle               new | active | returning | dormant | churned (LIFECYCLE rules below)
 *   order_count, revenue    orders as in RFM (same order_id = one order, its largest revenue)
 *   aov                     revenue / order_count (null without orders)
 *   preferred_category      most frequent `category` over the person's events (ties: alphabetical)
 *   preferred_channel       most frequent entry channel of their visits (a visit is a session_id, or
 *                           a UTC day without one; its channel is its first event's; ties: alphabetical)
 *   rfm_tier                RFM tier as of asOf's UTC date (null without orders)
 *
 * Lifecycle, with thresholds in days (defaults 7 / 30 / 90), evaluated in this order:
 *   new        first seen within the last newDays
 *   churned    last seen churnDays or more ago
 *   dormant    last seen activeDays or more ago
 *   active     seen in the last activeDays, and either first seen within them or also seen in the
 *              activeDays before them
 *   returning  seen in the last activeDays after a gap covering the whole previous activeDays
 */
import { z } from 'zod';
import { personEvents, type IdentityMode } from './identity';
import { rfmScoresSql } from './rfm';
import { eventMatcherSchema, propertyName } from './spec';
import { and, columnsFor, DAY_MS, eventCondition, matcherProperties, milliseconds, propertyExpr, resolveProperty, sql, timestamp, type EventMatcher, type Sql, type ValueKind } from './sql';

export const lifecycleSchema = z
  .strictObject({
    newDays: z.number().int().min(1).max(3650).default(7),
    activeDays: z.number().int().min(1).max(3650).default(30),
    churnDays: z.number().int().min(1).max(3650).default(90),
  })
  .superRefine((t, ctx) => {
    if (t.newDays > t.activeDays) ctx.addIssue({ code: 'custom', path: ['newDays'], message: `newDays (${t.newDays}) may not exceed activeDays (${t.activeDays})` });
    if (t.activeDays >= t.churnDays) ctx.addIssue({ code: 'custom', path: ['churnDays'], message: `churnDays (${t.churnDays}) must exceed activeDays (${t.activeDays})` });
  });

export type LifecycleThresholds = z.output<typeof lifecycleSchema>;
export const LIFECYCLE_STAGES = ['new', 'active', 'returning', 'dormant', 'churned'] as const;

export const PERSON_TAGS = {
  first_seen: 'timestamp',
  last_seen: 'timestamp',
  lifecycle: 'string',
  order_count: 'number',
  revenue: 'number',
  aov: 'number',
  preferred_category: 'string',
  preferred_channel: 'string',
  rfm_tier: 'string',
} as const satisfies Record<string, ValueKind>;

export type PersonTag = keyof typeof PERSON_TAGS;
export const PERSON_TAG_NAMES = Object.keys(PERSON_TAGS) as PersonTag[];

export const tagOptionsSchema = z.strictObject({
  orderEvent: eventMatcherSchema.default({ event: 'Order Completed' }),
  revenueProperty: propertyName.default('revenue'),
  lifecycle: lifecycleSchema.default({ newDays: 7, activeDays: 30, churnDays: 90 }),
});

export interface TagOptions {
  orderEvent: EventMatcher;
  revenueProperty: string;
  lifecycle: LifecycleThresholds;
  identity: IdentityMode;
}

/** `person` plus every tag of PERSON_TAGS, for persons with an event before `asOfMs`. */
export function personTagsSql(options: TagOptions, asOfMs: number): Sql {
  const asOf = timestamp(asOfMs);
  const days = (n: number) => sql`${asOf} - ${milliseconds(n * DAY_MS)}`;
  const { newDays, activeDays, churnDays } = options.lifecycle;
  const revenue = propertyExpr(resolveProperty(options.revenueProperty));
  const amount = revenue.kind === 'number' && !revenue.text ? revenue.sql : sql`TRY_CAST(${revenue.sql} AS DOUBLE)`;
  const asOfDay = Math.floor((asOfMs - 1) / DAY_MS) * DAY_MS;
  const rfm = rfmScoresSql({ order: options.orderEvent, revenueProperty: options.revenueProperty, identity: options.identity, asOf: undefined, from: undefined, to: undefined }, asOfDay);
  const columns = columnsFor([options.revenueProperty, ...matcherProperties([options.orderEvent])], ['timestamp', 'event', 'event_id', 'order_id', 'category', 'channel', 'session_id']);
  return sql`WITH te AS MATERIALIZED (SELECT * FROM ${personEvents(options.identity, columns)} WHERE "timestamp" < ${asOf}),
    seen AS (
      SELECT person, min("timestamp") AS first_seen, max("timestamp") AS last_seen,
        bool_or("timestamp" > ${days(2 * activeDays)} AND "timestamp" <= ${days(activeDays)}) AS seen_before
      FROM te GROUP BY person
    ),
    orders AS (
      SELECT person, coalesce(order_id, event_id) AS order_key, max(${amount}) AS amount FROM te WHERE ${and([eventCondition(options.orderEvent)])} GROUP BY person, order_key
    ),
    order_totals AS (SELECT person, count(*)::INTEGER AS order_count, coalesce(sum(amount), 0)::DOUBLE AS revenue FROM orders GROUP BY person),
    categories AS (
      SELECT person, first(category ORDER BY n DESC, category) AS preferred_category
      FROM (SELECT person, category, count(*) AS n FROM te WHERE category IS NOT NULL GROUP BY person, category) GROUP BY person
    ),
    visits AS (
      SELECT person, first(channel ORDER BY "timestamp", event_id) AS channel FROM te
      GROUP BY person, coalesce(session_id, 'day:' || strftime("timestamp", '%Y-%m-%d'))
    ),
    channels AS (
      SELECT person, first(channel ORDER BY n DESC, channel) AS preferred_channel
      FROM (SELECT person, channel, count(*) AS n FROM visits WHERE channel IS NOT NULL GROUP BY person, channel) GROUP BY person
    ),
    rfm AS (${rfm})
    SELECT s.person, s.first_seen, s.last_seen,
      CASE
        WHEN s.first_seen > ${days(newDays)} THEN 'new'
        WHEN s.last_seen <= ${days(churnDays)} THEN 'churned'
        WHEN s.last_seen <= ${days(activeDays)} THEN 'dormant'
        WHEN s.first_seen > ${days(activeDays)} OR s.seen_before THEN 'active'
        ELSE 'returning' END AS lifecycle,
      coalesce(o.order_count, 0)::INTEGER AS order_count,
      coalesce(o.revenue, 0)::DOUBLE AS revenue,
      CASE WHEN coalesce(o.order_count, 0) > 0 THEN o.revenue / o.order_count END AS aov,
      c.preferred_category, ch.preferred_channel, r.tier AS rfm_tier
    FROM seen s
      LEFT JOIN order_totals o ON o.person = s.person
      LEFT JOIN categories c ON c.person = s.person
      LEFT JOIN channels ch ON ch.person = s.person
      LEFT JOIN rfm r ON r.person = s.person`;
}
