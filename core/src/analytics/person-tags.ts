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
import { and, columnsFor, DAY_MS, eventCondition, join, matcherProperties, milliseconds, propertyExpr, resolveProperty, sql, timestamp, type EventMatcher, type Sql, type ValueKind } from './sql';

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
  /** Read rows flagged as invalid too (default: leave them out, as personEvents does). */
  includeFlagged?: boolean | undefined;
}

/** What each tag is computed from: one query part per source, shared by the tags of that source. */
const TAG_SOURCE = {
  first_seen: 'seen',
  last_seen: 'seen',
  lifecycle: 'seen',
  order_count: 'orders',
  revenue: 'orders',
  aov: 'orders',
  preferred_category: 'categories',
  preferred_channel: 'channels',
  rfm_tier: 'rfm',
} as const satisfies Record<PersonTag, string>;

type TagSource = (typeof TAG_SOURCE)[PersonTag];

function tagSources(tags: readonly PersonTag[]): Set<TagSource> {
  return new Set(tags.map((tag) => TAG_SOURCE[tag]));
}

/** The events columns that computing `tags` reads (besides `person`). */
export function tagEventColumns(options: Pick<TagOptions, 'orderEvent' | 'revenueProperty'>, tags: readonly PersonTag[]): string[] {
  const sources = tagSources(tags);
  const orders = sources.has('orders');
  return columnsFor(orders ? [options.revenueProperty, ...matcherProperties([options.orderEvent])] : [], [
    'timestamp',
    ...(orders ? ['event', 'event_id', 'order_id'] : []),
    ...(sources.has('categories') ? ['category'] : []),
    ...(sources.has('channels') ? ['channel', 'session_id', 'event_id'] : []),
  ]);
}

export interface TagScope {
  /** A query of one `person` column: only these persons get a row. */
  persons?: Sql;
  /** The events to read, a materialized CTE with `person` and the tagEventColumns columns (default personEvents of options.identity). */
  events?: Sql;
}

/**
 * `person` plus the `tags` asked for (default every tag of PERSON_TAGS), for persons with an event before `asOfMs`,
 * computing only what those tags need.
 */
export function personTagsSql(options: TagOptions, asOfMs: number, tags: readonly PersonTag[] = PERSON_TAG_NAMES, scope: TagScope = {}): Sql {
  const sources = tagSources(tags);
  const asOf = timestamp(asOfMs);
  const days = (n: number) => sql`${asOf} - ${milliseconds(n * DAY_MS)}`;
  const { newDays, activeDays, churnDays } = options.lifecycle;
  const events = scope.events ?? personEvents(options.identity, tagEventColumns(options, tags), { includeFlagged: options.includeFlagged });
  const only = scope.persons ? sql` AND person IN (${scope.persons})` : sql``;
  // Given events are already a materialized CTE (segments): a second copy would double the memory.
  const ctes: Sql[] = [sql`te AS ${scope.events ? sql`` : sql`MATERIALIZED `}(SELECT * FROM ${events} WHERE "timestamp" < ${asOf}${only})`];
  const selects: Sql[] = [sql`s.person`];
  const joins: Sql[] = [];
  if (sources.has('seen')) {
    ctes.push(sql`seen AS (
      SELECT person, min("timestamp") AS first_seen, max("timestamp") AS last_seen,
        bool_or("timestamp" > ${days(2 * activeDays)} AND "timestamp" <= ${days(activeDays)}) AS seen_before
      FROM te GROUP BY person
    )`);
  } else {
    ctes.push(sql`seen AS (SELECT DISTINCT person FROM te)`);
  }
  const lifecycle = sql`CASE
        WHEN s.first_seen > ${days(newDays)} THEN 'new'
        WHEN s.last_seen <= ${days(churnDays)} THEN 'churned'
        WHEN s.last_seen <= ${days(activeDays)} THEN 'dormant'
        WHEN s.first_seen > ${days(activeDays)} OR s.seen_before THEN 'active'
        ELSE 'returning' END`;
  if (sources.has('orders')) {
    const revenue = propertyExpr(resolveProperty(options.revenueProperty));
    const amount = revenue.kind === 'number' && !revenue.text ? revenue.sql : sql`TRY_CAST(${revenue.sql} AS DOUBLE)`;
    ctes.push(sql`orders AS (
      SELECT person, coalesce(order_id, event_id) AS order_key, max(${amount}) AS amount FROM te WHERE ${and([eventCondition(options.orderEvent)])} GROUP BY person, order_key
    )`);
    ctes.push(sql`order_totals AS (SELECT person, count(*)::INTEGER AS order_count, coalesce(sum(amount), 0)::DOUBLE AS revenue FROM orders GROUP BY person)`);
    joins.push(sql`LEFT JOIN order_totals o ON o.person = s.person`);
  }
  if (sources.has('categories')) {
    ctes.push(sql`categories AS (
      SELECT person, first(category ORDER BY n DESC, category) AS preferred_category
      FROM (SELECT person, category, count(*) AS n FROM te WHERE category IS NOT NULL GROUP BY person, category) GROUP BY person
    )`);
    joins.push(sql`LEFT JOIN categories c ON c.person = s.person`);
  }
  if (sources.has('channels')) {
    ctes.push(sql`visits AS (
      SELECT person, first(channel ORDER BY "timestamp", event_id) AS channel FROM te
      GROUP BY person, coalesce(session_id, 'day:' || strftime("timestamp", '%Y-%m-%d'))
    )`);
    ctes.push(sql`channels AS (
      SELECT person, first(channel ORDER BY n DESC, channel) AS preferred_channel
      FROM (SELECT person, channel, count(*) AS n FROM visits WHERE channel IS NOT NULL GROUP BY person, channel) GROUP BY person
    )`);
    joins.push(sql`LEFT JOIN channels ch ON ch.person = s.person`);
  }
  if (sources.has('rfm')) {
    const asOfDay = Math.floor((asOfMs - 1) / DAY_MS) * DAY_MS;
    const rfm = rfmScoresSql({ order: options.orderEvent, revenueProperty: options.revenueProperty, identity: options.identity, includeFlagged: options.includeFlagged, asOf: undefined, from: undefined, to: undefined, origin: 'all' }, asOfDay);
    ctes.push(sql`rfm AS (${rfm})`);
    joins.push(sql`LEFT JOIN rfm r ON r.person = s.person`);
  }
  const tagSql: Record<PersonTag, Sql> = {
    first_seen: sql`s.first_seen`,
    last_seen: sql`s.last_seen`,
    lifecycle: sql`${lifecycle} AS lifecycle`,
    order_count: sql`coalesce(o.order_count, 0)::INTEGER AS order_count`,
    revenue: sql`coalesce(o.revenue, 0)::DOUBLE AS revenue`,
    aov: sql`CASE WHEN coalesce(o.order_count, 0) > 0 THEN o.revenue / o.order_count END AS aov`,
    preferred_category: sql`c.preferred_category`,
    preferred_channel: sql`ch.preferred_channel`,
    rfm_tier: sql`r.tier AS rfm_tier`,
  };
  for (const tag of PERSON_TAG_NAMES) if (tags.includes(tag)) selects.push(tagSql[tag]);
  return sql`WITH ${join(ctes)}
    SELECT ${join(selects)}
    FROM seen s ${join(joins, ' ')}`;
}
