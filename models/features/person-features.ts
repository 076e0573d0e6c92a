/**
 * Person features at a cut-off instant T, for churn and propensity models: one SQL query through the
 * analytics modules (person tags, RFM scores, the identity map), using only events before T, for the
 * persons seen in the `activeDays` before T. The same query serves training (many cut-offs) and
 * scoring (one cut-off, usually the end of the data), in the dashboard's DuckDB worker, in Node tests
 * and in the CLI.
 *
 * Categorical columns (preferred channel and category, device, country, lifecycle) become one-hot
 * columns over a vocabulary learned from the training rows by frequency alone (target-free), with an
 * "(other)" column for the rest. The vocabulary, the options and the resulting column names form the
 * FeatureSchema stored in every model, so scoring rebuilds exactly the columns the model was
 * trained on, and refuses a model whose schema this code cannot rebuild.
 */
import { z } from 'zod';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { columnsFor, DAY_MS, ensurePersonMap, eventCondition, eventMatcherSchema, identitySchema, LIFECYCLE_STAGES, matcherProperties, milliseconds, personEvents, personTagsSql, propertyName, rfmScoresSql, sql, timestamp, type IdentityMode, type Sql } from '@privacy-analytics/core/analytics';

export const FEATURE_SCHEMA_VERSION = 'person-features/1';

export const featureOptionsSchema = z.strictObject({
  orderEvent: eventMatcherSchema.default({ event: 'Order Completed' }),
  cartEvent: z.string().min(1).max(256).default('Product Added'),
  checkoutEvent: z.string().min(1).max(256).default('Checkout Started'),
  viewEvent: z.string().min(1).max(256).default('Product Viewed'),
  revenueProperty: propertyName.default('revenue'),
  /** Persons seen in this many days before the cut-off are scored (the model's population). */
  activeDays: z.number().int().min(1).max(365).default(30),
  identity: identitySchema.default('merged'),
});

export type FeatureOptions = z.output<typeof featureOptionsSchema>;

export const CATEGORICAL_FEATURES = ['channel', 'category', 'device', 'country', 'lifecycle'] as const;
export type CategoricalFeature = (typeof CATEGORICAL_FEATURES)[number];
export type FeatureVocabulary = Record<CategoricalFeature, string[]>;

export interface FeatureSchema {
  version: string;
  options: FeatureOptions;
  vocabulary: FeatureVocabulary;
  /** Column names of the feature matrix, in order. */
  names: string[];
}

/** One person's raw features as the SQL returns them (times as epoch ms). */
export interface PersonFeatureRow {
  person: string;
  cutoffMs: number;
  firstSeenMs: number;
  lastSeenMs: number;
  lastOrderMs: number | null;
  lifecycle: string;
  orderCount: number;
  revenue: number;
  aov: number | null;
  rfmR: number | null;
  rfmF: number | null;
  rfmM: number | null;
  events7d: number;
  events30d: number;
  events90d: number;
  sessions7d: number;
  sessions30d: number;
  sessions90d: number;
  activeDays30d: number;
  productViews30d: number;
  carts30d: number;
  checkouts30d: number;
  sessionsTotal: number;
  cartSessions: number;
  orderSessions: number;
  abandonedCartSessions: number;
  abandonedCartSessions30d: number;
  identified: boolean;
  channel: string | null;
  category: string | null;
  device: string | null;
  country: string | null;
}

export const OTHER = '(other)';

const log1p = Math.log1p;
const days = (ms: number) => ms / DAY_MS;

/** The numeric columns, in matrix order; each a function of one raw row. */
export const NUMERIC_FEATURES: readonly { name: string; doc: string; value: (r: PersonFeatureRow) => number }[] = [
  { name: 'recency_days', doc: 'days from the last event to the cut-off', value: (r) => days(r.cutoffMs - r.lastSeenMs) },
  { name: 'tenure_days', doc: 'days from the first event to the cut-off', value: (r) => days(r.cutoffMs - r.firstSeenMs) },
  { name: 'log_events_7d', doc: 'log(1 + events in the last 7 days)', value: (r) => log1p(r.events7d) },
  { name: 'log_events_30d', doc: 'log(1 + events in the last 30 days)', value: (r) => log1p(r.events30d) },
  { name: 'log_events_90d', doc: 'log(1 + events in the last 90 days)', value: (r) => log1p(r.events90d) },
  { name: 'log_sessions_7d', doc: 'log(1 + visits in the last 7 days)', value: (r) => log1p(r.sessions7d) },
  { name: 'log_sessions_30d', doc: 'log(1 + visits in the last 30 days)', value: (r) => log1p(r.sessions30d) },
  { name: 'log_sessions_90d', doc: 'log(1 + visits in the last 90 days)', value: (r) => log1p(r.sessions90d) },
  { name: 'session_trend', doc: 'log(1 + visits of the last 7 days at a 30-day pace) - log(1 + visits in 30 days): > 0 speeding up', value: (r) => log1p((r.sessions7d * 30) / 7) - log1p(r.sessions30d) },
  { name: 'event_trend', doc: 'as session_trend, for events', value: (r) => log1p((r.events7d * 30) / 7) - log1p(r.events30d) },
  { name: 'active_days_30d', doc: 'UTC days with an event in the last 30 days', value: (r) => r.activeDays30d },
  { name: 'log_product_views_30d', doc: 'log(1 + product views in the last 30 days)', value: (r) => log1p(r.productViews30d) },
  { name: 'log_carts_30d', doc: 'log(1 + add-to-cart events in the last 30 days)', value: (r) => log1p(r.carts30d) },
  { name: 'log_checkouts_30d', doc: 'log(1 + checkouts started in the last 30 days)', value: (r) => log1p(r.checkouts30d) },
  { name: 'abandoned_carts_30d', doc: 'visits of the last 30 days with an add-to-cart and no order', value: (r) => r.abandonedCartSessions30d },
  { name: 'cart_visit_share', doc: 'share of all visits with an add-to-cart', value: (r) => (r.sessionsTotal ? r.cartSessions / r.sessionsTotal : 0) },
  { name: 'order_visit_share', doc: 'share of all visits with an order', value: (r) => (r.sessionsTotal ? r.orderSessions / r.sessionsTotal : 0) },
  { name: 'cart_abandonment_rate', doc: 'share of all visits with an add-to-cart that had no order (0 without carts)', value: (r) => (r.cartSessions ? r.abandonedCartSessions / r.cartSessions : 0) },
  { name: 'has_ordered', doc: '1 when the person has an order before the cut-off', value: (r) => (r.orderCount > 0 ? 1 : 0) },
  { name: 'log_orders', doc: 'log(1 + orders), orders as in RFM', value: (r) => log1p(r.orderCount) },
  { name: 'log_revenue', doc: 'log(1 + revenue of those orders)', value: (r) => log1p(Math.max(0, r.revenue)) },
  { name: 'log_aov', doc: 'log(1 + average order value), 0 without orders', value: (r) => log1p(Math.max(0, r.aov ?? 0)) },
  { name: 'days_since_last_order', doc: 'days from the last order to the cut-off, 0 without orders (see has_ordered)', value: (r) => (r.lastOrderMs === null ? 0 : days(r.cutoffMs - r.lastOrderMs)) },
  { name: 'rfm_r', doc: 'RFM recency score 1-5, 0 without orders', value: (r) => r.rfmR ?? 0 },
  { name: 'rfm_f', doc: 'RFM frequency score 1-5, 0 without orders', value: (r) => r.rfmF ?? 0 },
  { name: 'rfm_m', doc: 'RFM monetary score 1-5, 0 without orders', value: (r) => r.rfmM ?? 0 },
  { name: 'identified', doc: '1 when an event before the cut-off carries a user id', value: (r) => (r.identified ? 1 : 0) },
];

const CATEGORICAL_VALUE: Record<CategoricalFeature, (r: PersonFeatureRow) => string | null> = {
  channel: (r) => r.channel,
  category: (r) => r.category,
  device: (r) => r.device,
  country: (r) => r.country,
  lifecycle: (r) => r.lifecycle,
};

/** Vocabulary limits: at most `max` values seen in at least `minCount` training rows. */
const VOCABULARY_LIMITS: Record<CategoricalFeature, { max: number; minCount: number }> = {
  channel: { max: 10, minCount: 20 },
  category: { max: 20, minCount: 20 },
  device: { max: 6, minCount: 20 },
  country: { max: 12, minCount: 20 },
  lifecycle: { max: LIFECYCLE_STAGES.length, minCount: 1 },
};

export class FeatureSchemaError extends Error {
  override name = 'FeatureSchemaError';
}

export function parseFeatureOptions(input: unknown = {}): FeatureOptions {
  return featureOptionsSchema.parse(input);
}

function columnNames(vocabulary: FeatureVocabulary): string[] {
  return [...NUMERIC_FEATURES.map((f) => f.name), ...CATEGORICAL_FEATURES.flatMap((c) => [...vocabulary[c].map((v) => `${c}=${v}`), `${c}=${OTHER}`])];
}

/** The vocabulary of the training rows: most frequent values first, ties alphabetical. */
export function learnVocabulary(rows: readonly PersonFeatureRow[]): FeatureVocabulary {
  const vocabulary = {} as FeatureVocabulary;
  for (const feature of CATEGORICAL_FEATURES) {
    const counts = new Map<string, number>();
    for (const row of rows) {
      const value = CATEGORICAL_VALUE[feature](row);
      if (value !== null && value !== OTHER) counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    const { max, minCount } = VOCABULARY_LIMITS[feature];
    vocabulary[feature] = [...counts]
      .filter(([, n]) => n >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, max)
      .map(([value]) => value);
  }
  return vocabulary;
}

export function buildFeatureSchema(options: FeatureOptions, vocabulary: FeatureVocabulary): FeatureSchema {
  return { version: FEATURE_SCHEMA_VERSION, options, vocabulary, names: columnNames(vocabulary) };
}

/**
 * Checks a schema read from a model file: this code must produce exactly its columns. Errors name the
 * first difference, e.g. a model trained by a newer build with a feature this build lacks.
 */
export function checkFeatureSchema(schema: unknown, label = 'model'): FeatureSchema {
  const shape = z.object({
    version: z.string(),
    options: z.unknown(),
    vocabulary: z.record(z.string(), z.array(z.string())),
    names: z.array(z.string()),
  });
  const parsed = shape.safeParse(schema);
  if (!parsed.success) throw new FeatureSchemaError(`${label}: the feature schema is malformed (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const { version, names } = parsed.data;
  if (version !== FEATURE_SCHEMA_VERSION) throw new FeatureSchemaError(`${label}: features are "${version}", this build computes "${FEATURE_SCHEMA_VERSION}"; retrain the model with npm run train`);
  const options = featureOptionsSchema.safeParse(parsed.data.options);
  if (!options.success) throw new FeatureSchemaError(`${label}: the feature options are invalid (${options.error.issues[0]?.message ?? 'invalid'})`);
  const vocabulary = {} as FeatureVocabulary;
  for (const feature of CATEGORICAL_FEATURES) {
    const values = parsed.data.vocabulary[feature];
    if (!values) throw new FeatureSchemaError(`${label}: the feature vocabulary has no "${feature}" list`);
    vocabulary[feature] = values;
  }
  const expected = columnNames(vocabulary);
  const mismatch = expected.findIndex((name, i) => names[i] !== name);
  if (mismatch >= 0 || names.length !== expected.length) {
    const at = mismatch >= 0 ? mismatch : Math.min(names.length, expected.length);
    throw new FeatureSchemaError(
      `${label}: feature schema mismatch at column ${at}: the model has ${JSON.stringify(names[at] ?? null)}, this build computes ${JSON.stringify(expected[at] ?? null)} (${names.length} vs ${expected.length} columns)`,
    );
  }
  return { version, options: options.data, vocabulary, names };
}

/** Row-major float32 matrix [rows.length, schema.names.length]. */
export function encodeFeatures(rows: readonly PersonFeatureRow[], schema: FeatureSchema): Float32Array {
  const width = schema.names.length;
  const out = new Float32Array(rows.length * width);
  const lookups = CATEGORICAL_FEATURES.map((feature) => new Map(schema.vocabulary[feature].map((value, i) => [value, i])));
  rows.forEach((row, r) => {
    let column = 0;
    const base = r * width;
    for (const feature of NUMERIC_FEATURES) {
      const value = feature.value(row);
      if (!Number.isFinite(value)) throw new FeatureSchemaError(`feature ${feature.name} of person ${row.person} is ${value}`);
      out[base + column++] = value;
    }
    CATEGORICAL_FEATURES.forEach((feature, f) => {
      const size = schema.vocabulary[feature].length;
      const value = CATEGORICAL_VALUE[feature](row);
      const index = value === null ? undefined : lookups[f]!.get(value);
      out[base + column + (index ?? size)] = 1;
      column += size + 1;
    });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// SQL
// ---------------------------------------------------------------------------------------------

/** Raw feature rows at `cutoffMs` for persons seen in the `activeDays` before it, ordered by person. */
export function personFeaturesSql(options: FeatureOptions, cutoffMs: number): Sql {
  const cutoff = timestamp(cutoffMs);
  const before = (n: number) => sql`${cutoff} - ${milliseconds(n * DAY_MS)}`;
  const isOrder = eventCondition(options.orderEvent);
  const tags = personTagsSql(
    { orderEvent: options.orderEvent, revenueProperty: options.revenueProperty, lifecycle: { newDays: 7, activeDays: 30, churnDays: 90 }, identity: options.identity },
    cutoffMs,
  );
  const asOfDay = Math.floor((cutoffMs - 1) / DAY_MS) * DAY_MS;
  const rfm = rfmScoresSql({ order: options.orderEvent, revenueProperty: options.revenueProperty, identity: options.identity, asOf: undefined, from: undefined, to: undefined }, asOfDay);
  const columns = columnsFor(matcherProperties([options.orderEvent]), ['timestamp', 'event', 'session_id', 'device_type', 'country', 'user_id']);
  return sql`WITH tags AS (${tags}),
    rfm AS (${rfm}),
    te AS MATERIALIZED (
      SELECT person, "timestamp" AS ts, "event", session_id, device_type, country, user_id, ${isOrder} AS is_order
      FROM ${personEvents(options.identity, columns)} WHERE "timestamp" < ${cutoff}
    ),
    activity AS (
      SELECT person,
        count(*) FILTER (WHERE ts >= ${before(7)}) AS events_7d,
        count(*) FILTER (WHERE ts >= ${before(30)}) AS events_30d,
        count(*) FILTER (WHERE ts >= ${before(90)}) AS events_90d,
        count(DISTINCT CAST(ts AS DATE)) FILTER (WHERE ts >= ${before(30)}) AS active_days_30d,
        count(*) FILTER (WHERE "event" = ${options.viewEvent} AND ts >= ${before(30)}) AS product_views_30d,
        count(*) FILTER (WHERE "event" = ${options.cartEvent} AND ts >= ${before(30)}) AS carts_30d,
        count(*) FILTER (WHERE "event" = ${options.checkoutEvent} AND ts >= ${before(30)}) AS checkouts_30d,
        epoch_ms(max(ts) FILTER (WHERE is_order)) AS last_order_ms,
        bool_or(user_id IS NOT NULL) AS identified
      FROM te GROUP BY person
    ),
    visits AS (
      SELECT person, min(ts) AS started, bool_or("event" = ${options.cartEvent}) AS carted, bool_or(is_order) AS ordered
      FROM te GROUP BY person, coalesce(session_id, 'day:' || strftime(ts, '%Y-%m-%d'))
    ),
    visit_counts AS (
      SELECT person,
        count(*) FILTER (WHERE started >= ${before(7)}) AS sessions_7d,
        count(*) FILTER (WHERE started >= ${before(30)}) AS sessions_30d,
        count(*) FILTER (WHERE started >= ${before(90)}) AS sessions_90d,
        count(*) AS sessions_total,
        count(*) FILTER (WHERE carted) AS cart_sessions,
        count(*) FILTER (WHERE ordered) AS order_sessions,
        count(*) FILTER (WHERE carted AND NOT ordered) AS abandoned_cart_sessions,
        count(*) FILTER (WHERE carted AND NOT ordered AND started >= ${before(30)}) AS abandoned_cart_sessions_30d
      FROM visits GROUP BY person
    ),
    devices AS (
      SELECT person, first(device_type ORDER BY n DESC, device_type) AS device
      FROM (SELECT person, device_type, count(*) AS n FROM te WHERE device_type IS NOT NULL GROUP BY person, device_type) GROUP BY person
    ),
    countries AS (
      SELECT person, first(country ORDER BY n DESC, country) AS country
      FROM (SELECT person, country, count(*) AS n FROM te WHERE country IS NOT NULL GROUP BY person, country) GROUP BY person
    )
    SELECT t.person, epoch_ms(t.first_seen) AS first_seen_ms, epoch_ms(t.last_seen) AS last_seen_ms, t.lifecycle,
      t.order_count, t.revenue, t.aov, t.preferred_category, t.preferred_channel,
      r.r AS rfm_r, r.f AS rfm_f, r.m AS rfm_m,
      a.events_7d, a.events_30d, a.events_90d, a.active_days_30d, a.product_views_30d, a.carts_30d, a.checkouts_30d,
      a.last_order_ms, a.identified,
      v.sessions_7d, v.sessions_30d, v.sessions_90d, v.sessions_total, v.cart_sessions, v.order_sessions, v.abandoned_cart_sessions, v.abandoned_cart_sessions_30d,
      d.device, c.country
    FROM tags t
      JOIN activity a ON a.person = t.person
      JOIN visit_counts v ON v.person = t.person
      LEFT JOIN rfm r ON r.person = t.person
      LEFT JOIN devices d ON d.person = t.person
      LEFT JOIN countries c ON c.person = t.person
    WHERE t.last_seen >= ${before(options.activeDays)}
    ORDER BY t.person`;
}

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export async function personFeatureRows(engine: QueryEngine, options: FeatureOptions, cutoffMs: number): Promise<PersonFeatureRow[]> {
  if (options.identity === 'merged') await ensurePersonMap(engine);
  const query = personFeaturesSql(options, cutoffMs);
  const rows = await engine.query(query.text, query.params);
  return rows.map((row) => ({
    person: String(row.person),
    cutoffMs,
    firstSeenMs: num(row.first_seen_ms),
    lastSeenMs: num(row.last_seen_ms),
    lastOrderMs: numOrNull(row.last_order_ms),
    lifecycle: String(row.lifecycle),
    orderCount: num(row.order_count),
    revenue: num(row.revenue),
    aov: numOrNull(row.aov),
    rfmR: numOrNull(row.rfm_r),
    rfmF: numOrNull(row.rfm_f),
    rfmM: numOrNull(row.rfm_m),
    events7d: num(row.events_7d),
    events30d: num(row.events_30d),
    events90d: num(row.events_90d),
    sessions7d: num(row.sessions_7d),
    sessions30d: num(row.sessions_30d),
    sessions90d: num(row.sessions_90d),
    activeDays30d: num(row.active_days_30d),
    productViews30d: num(row.product_views_30d),
    carts30d: num(row.carts_30d),
    checkouts30d: num(row.checkouts_30d),
    sessionsTotal: num(row.sessions_total),
    cartSessions: num(row.cart_sessions),
    orderSessions: num(row.order_sessions),
    abandonedCartSessions: num(row.abandoned_cart_sessions),
    abandonedCartSessions30d: num(row.abandoned_cart_sessions_30d),
    identified: row.identified === true,
    channel: textOrNull(row.preferred_channel),
    category: textOrNull(row.preferred_category),
    device: textOrNull(row.device),
    country: textOrNull(row.country),
  }));
}

/** Activity of each person in [cutoff, cutoff + horizon): events and orders; persons without events are absent. */
/** Events and orders per person in [cut-off + leadDays, cut-off + leadDays + horizonDays). */
export function futureActivitySql(options: FeatureOptions, cutoffMs: number, horizonDays: number, leadDays = 0): Sql {
  const from = timestamp(cutoffMs + leadDays * DAY_MS);
  const to = timestamp(cutoffMs + (leadDays + horizonDays) * DAY_MS);
  const columns = columnsFor(matcherProperties([options.orderEvent]), ['timestamp', 'event']);
  return sql`SELECT person, count(*) AS events, count(*) FILTER (WHERE ${eventCondition(options.orderEvent)}) AS orders
    FROM ${personEvents(options.identity, columns)} WHERE "timestamp" >= ${from} AND "timestamp" < ${to} GROUP BY person`;
}

export interface FutureActivity {
  events: number;
  orders: number;
}

export async function futureActivity(engine: QueryEngine, options: FeatureOptions, cutoffMs: number, horizonDays: number, leadDays = 0): Promise<Map<string, FutureActivity>> {
  const query = futureActivitySql(options, cutoffMs, horizonDays, leadDays);
  const rows = await engine.query(query.text, query.params);
  return new Map(rows.map((row) => [String(row.person), { events: num(row.events), orders: num(row.orders) }]));
}

export type { IdentityMode };
