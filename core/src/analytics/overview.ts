/**
 * The overview dashboard as SQL: spec -> queries -> result shapes, run by any QueryEngine (DuckDB-Wasm in the
 * browser worker, DuckDB in Node). Every query starts from the same filtered event set (`base`): the date range
 * plus the column filters, applied to events; all panels are computed from that set, so a filter changes every
 * panel consistently.
 *
 * Definitions (see docs/dashboard.md):
 *   person        user_id, else anonymous_id (identity stitching comes with the identity module)
 *   page view     an event of type page or screen
 *   session       session_id when the client sent one; otherwise a person's events with no gap over 30 minutes
 *   bounce        a session with exactly one page view and no track event; bounce rate = bounces / sessions
 *   duration      last event time - first event time of a session, averaged over sessions
 *   conversion    persons with a purchase event / persons; revenue = sum of revenue on purchase events
 *   referrers     referrer_host, leaving out self-referrals: events whose referrer is the host of their own
 *                 page_url (without `www.` and port), i.e. clicks from one page of the site to the next
 */
import { EVENT_COLUMNS, type ColumnName } from '../schema/event-columns';
import { EVENTS_TABLE, type QueryEngine, type SqlValue } from '../engine/query-engine';
import { and, DAY_MS, parseDate, propertyFilterCondition, timeBounds, timeCondition, WINDOW_UNITS, type PropertyFilter } from './sql';

export const SESSION_GAP_MINUTES = 30;
export const DEFAULT_PURCHASE_EVENT = 'Order Completed';
export const DEFAULT_TOP_N = 10;

export type ColumnFilterOp = 'eq' | 'in' | 'contains' | 'empty';
export const COLUMN_FILTER_OPS: readonly ColumnFilterOp[] = ['eq', 'in', 'contains', 'empty'];

/** One condition on one column; `empty` means IS NULL and ignores `values`. Filters combine with AND. */
export interface ColumnFilter {
  column: ColumnName;
  op: ColumnFilterOp;
  values: string[];
}

export type Granularity = 'hour' | 'day' | 'week';

export interface OverviewSpec {
  /** YYYY-MM-DD, inclusive, UTC. */
  from: string;
  to: string;
  filters: readonly ColumnFilter[];
  granularity: Granularity;
  purchaseEvent?: string;
  topN?: number;
}

export interface SqlQuery {
  sql: string;
  params: SqlValue[];
}

export interface OverviewKpis {
  events: number;
  pageViews: number;
  visitors: number;
  sessions: number;
  /** 0..1; null without sessions */
  bounceRate: number | null;
  /** seconds; null without sessions */
  avgSessionSeconds: number | null;
  purchasers: number;
  /** purchasers / visitors, 0..1; null without visitors */
  conversionRate: number | null;
  orders: number;
  revenue: number;
}

export interface TimePoint {
  /** bucket start, ISO 8601 UTC (`2026-03-02T00:00:00Z`) */
  bucket: string;
  events: number;
  pageViews: number;
  visitors: number;
}

export interface BreakdownRow {
  /** null: the column is empty for these events */
  value: string | null;
  visitors: number;
  /** page views for the pages panel, events otherwise */
  count: number;
}

export type BreakdownPanelId = 'pages' | 'channels' | 'referrers' | 'campaigns' | 'countries' | 'devices' | 'browsers';

export interface BreakdownPanel {
  id: BreakdownPanelId;
  title: string;
  column: ColumnName;
  countLabel: 'page views' | 'events';
  /** rows whose value is null are left out (e.g. referrers: no referrer is not a referrer) */
  skipEmpty: boolean;
}

export const BREAKDOWN_PANELS: readonly BreakdownPanel[] = [
  { id: 'pages', title: 'Top pages', column: 'page_path', countLabel: 'page views', skipEmpty: true },
  { id: 'channels', title: 'Channels', column: 'channel', countLabel: 'events', skipEmpty: false },
  { id: 'referrers', title: 'Referrers', column: 'referrer_host', countLabel: 'events', skipEmpty: true },
  { id: 'campaigns', title: 'UTM campaigns', column: 'utm_campaign', countLabel: 'events', skipEmpty: true },
  { id: 'countries', title: 'Countries', column: 'country', countLabel: 'events', skipEmpty: false },
  { id: 'devices', title: 'Devices', column: 'device_type', countLabel: 'events', skipEmpty: false },
  { id: 'browsers', title: 'Browsers', column: 'browser', countLabel: 'events', skipEmpty: false },
];

export interface OverviewResult {
  kpis: OverviewKpis;
  series: TimePoint[];
  breakdowns: Record<BreakdownPanelId, BreakdownRow[]>;
}

const COLUMN_NAMES: ReadonlySet<string> = new Set(EVENT_COLUMNS.map((c) => c.name));
const PAGE_TYPES = `type IN ('page', 'screen')`;
const MAX_FILTER_VALUES = 100;
const MAX_FILTER_VALUE_LENGTH = 500;

export function isColumnName(name: string): name is ColumnName {
  return COLUMN_NAMES.has(name);
}

/** Double-quoted identifier of a schema column; anything else throws. */
export function columnIdentifier(name: string): string {
  if (!isColumnName(name)) throw new Error(`unknown column "${name}"; expected one of the event schema's columns`);
  return `"${name}"`;
}

const SQL_FILTER_OPS: Record<ColumnFilterOp, PropertyFilter['op']> = { eq: 'eq', in: 'in', contains: 'contains', empty: 'is_not_set' };

/**
 * SQL for the filters (AND-ed), built by the shared SQL builder (sql.ts: values as `?` parameters, quoted
 * identifiers). Only schema columns are accepted here: the URL and the filter bar offer nothing else.
 */
export function filterConditions(filters: readonly ColumnFilter[]): SqlQuery {
  const conditions = filters.map((filter) => {
    columnIdentifier(filter.column);
    if (!(filter.op in SQL_FILTER_OPS)) throw new Error(`unknown filter operator "${String(filter.op)}"`);
    if (filter.values.length > MAX_FILTER_VALUES) throw new Error(`filter on ${filter.column}: ${filter.values.length} values, at most ${MAX_FILTER_VALUES}`);
    for (const v of filter.values) {
      if (v.length > MAX_FILTER_VALUE_LENGTH) throw new Error(`filter on ${filter.column}: a value of ${v.length} characters, at most ${MAX_FILTER_VALUE_LENGTH}`);
    }
    if (filter.op !== 'empty' && filter.values.length === 0) throw new Error(`filter ${filter.column} ${filter.op}: no value`);
    const value = filter.op === 'empty' ? undefined : filter.op === 'in' ? filter.values : filter.values[0];
    return propertyFilterCondition({ property: filter.column, op: SQL_FILTER_OPS[filter.op], value });
  });
  const where = and(conditions);
  return { sql: where.text, params: [...where.params] };
}

/** The date range (inclusive days, UTC) and filters as a WHERE clause over `events`. */
export function whereClause(spec: Pick<OverviewSpec, 'from' | 'to' | 'filters'>): SqlQuery {
  if (parseDate(spec.from) === null || parseDate(spec.to) === null) throw new Error(`date range: expected YYYY-MM-DD, got "${spec.from}" to "${spec.to}"`);
  if (spec.from > spec.to) throw new Error(`date range: from (${spec.from}) is after to (${spec.to})`);
  const where = and([timeCondition(timeBounds(spec.from, spec.to)), sqlFragment(filterConditions(spec.filters))]);
  return { sql: where.text, params: [...where.params] };
}

const sqlFragment = (q: SqlQuery) => ({ text: q.sql, params: q.params });

/**
 * What the overview's queries read: the loaded events (`events`), or a narrower table derived from them with the same
 * rows (the dashboard's local overview table, overview-cube.ts). The queries are the same text around these parts.
 */
export interface OverviewSource {
  /** the table or view read */
  table: string;
  /** SQL for an event's person */
  person: string;
  /** the order of a person's events when forming sessions (ties do not change the sessions: see overview-cube.ts) */
  sessionOrder: string;
  /** SQL columns the referrers panel needs besides referrer_host, and its condition that leaves out self-referrals */
  referrer: { columns: string; kept: string };
}

/**
 * The host of `page_url` as the edge writes referrer_host: lower case, without port and `www.`. A referrer equal
 * to it is the site itself (a click from one page to the next), not a source of traffic.
 */
export const PAGE_HOST = `regexp_replace(lower(regexp_extract(page_url, '^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#:]+)', 1)), '^www\\.', '')`;

export const EVENTS_SOURCE: OverviewSource = {
  table: EVENTS_TABLE,
  person: 'coalesce(user_id, anonymous_id)',
  sessionOrder: 'ts, event_id',
  referrer: { columns: ', page_url', kept: `(page_url IS NULL OR "referrer_host" <> ${PAGE_HOST})` },
};

function baseCte(spec: OverviewSpec, extraColumns: readonly ColumnName[] = [], source: OverviewSource = EVENTS_SOURCE, extraSql = ''): SqlQuery {
  const where = whereClause(spec);
  const extra = extraColumns.map((c) => `, ${columnIdentifier(c)}`).join('');
  const eventId = source.sessionOrder.includes('event_id') ? 'event_id, ' : '';
  return {
    sql: `base AS (
  SELECT "timestamp" AS ts, ${eventId}type, event, ${source.person} AS person${extra}${extraSql}
  FROM ${source.table}
  WHERE ${where.sql}
)`,
    params: where.params,
  };
}

/** The KPIs of the row `sessionKpiCtes`' totals end in (events, page_views, visitors, sessions, bounces, ...). */
function kpisFromRow(row: Record<string, unknown> | undefined): OverviewKpis {
  const sessions = num(row?.sessions);
  const visitors = num(row?.visitors);
  const purchasers = num(row?.purchasers);
  return {
    events: num(row?.events),
    pageViews: num(row?.page_views),
    visitors,
    sessions,
    bounceRate: sessions ? num(row?.bounces) / sessions : null,
    avgSessionSeconds: sessions ? num(row?.avg_session_seconds) : null,
    purchasers,
    conversionRate: visitors ? purchasers / visitors : null,
    orders: num(row?.orders),
    revenue: num(row?.revenue),
  };
}

/**
 * Revenue on purchase events (two `?`: the purchase event), summed the same whatever the order of the rows: as
 * decimals of 9 places (exact integer additions), then one double. A plain sum of doubles depends on the order of the
 * additions in its last bits, and the overview table holds the events in another order than `events` (by time).
 * Values of 10¹⁸ and more (no shop's revenue, but any finite number is accepted) would not fit and are summed as doubles.
 */
const REVENUE_SUM = `(coalesce(sum(revenue::DECIMAL(38, 9)) FILTER (WHERE event = ? AND abs(revenue) < 1e18), 0)::DOUBLE
      + coalesce(sum(revenue) FILTER (WHERE event = ? AND abs(revenue) >= 1e18), 0))`;

/**
 * The CTEs after `base` that both the KPI query and the one-statement overview use: sessions inferred by the
 * 30-minute gap where the client sent no session id, grouped by (session_id, person, n), and the totals over `base`
 * and over the sessions. `order` is the source's session order (ties broken by event id where it has one).
 */
function sessionKpiCtes(order: string): string {
  return `inferred AS (
  SELECT person, ts, ${order.includes('event_id') ? 'event_id, ' : ''}type,
    CASE WHEN ts - lag(ts) OVER w <= INTERVAL ${SESSION_GAP_MINUTES} MINUTE THEN 0 ELSE 1 END AS starts_session
  FROM base WHERE session_id IS NULL
  WINDOW w AS (PARTITION BY person ORDER BY ${order})
),
keyed AS (
  SELECT session_id, NULL AS person, 0::HUGEINT AS n, ts, type FROM base WHERE session_id IS NOT NULL
  UNION ALL
  SELECT NULL, person, sum(starts_session) OVER (PARTITION BY person ORDER BY ${order} ROWS UNBOUNDED PRECEDING), ts, type
  FROM inferred
),
sessions AS (
  SELECT date_diff('millisecond', min(ts), max(ts)) AS ms,
    count(*) FILTER (WHERE ${PAGE_TYPES}) AS views,
    count(*) FILTER (WHERE type = 'track') AS tracks
  FROM keyed GROUP BY session_id, person, n
),
totals AS (
  SELECT count(*) AS events,
    count(*) FILTER (WHERE ${PAGE_TYPES}) AS page_views,
    count(DISTINCT person) AS visitors,
    count(DISTINCT person) FILTER (WHERE event = ?) AS purchasers,
    count(*) FILTER (WHERE event = ?) AS orders,
    ${REVENUE_SUM} AS revenue
  FROM base
),
session_totals AS (
  SELECT count(*) AS sessions,
    count(*) FILTER (WHERE views = 1 AND tracks = 0) AS bounces,
    sum(ms)::DOUBLE / count(*) / 1000 AS avg_session_seconds
  FROM sessions
)`;
}

/**
 * Sessions are grouped by (session_id, person, n): the client's id, or the person and the number of their
 * gap-cut session. No string key is built per event (that was most of this query's time in DuckDB-Wasm).
 */
export function kpisQuery(spec: OverviewSpec, source: OverviewSource = EVENTS_SOURCE): SqlQuery {
  const base = baseCte(spec, ['session_id', 'revenue'], source);
  const purchase = spec.purchaseEvent ?? DEFAULT_PURCHASE_EVENT;
  return {
    sql: `WITH ${base.sql},
${sessionKpiCtes(source.sessionOrder)}
SELECT events, page_views, visitors, purchasers, orders, revenue, sessions, bounces, avg_session_seconds
FROM totals, session_totals`,
    params: [...base.params, purchase, purchase, purchase, purchase],
  };
}

/** Buckets are grouped as timestamps and formatted once per bucket, not once per event. */
export function seriesQuery(spec: OverviewSpec, source: OverviewSource = EVENTS_SOURCE): SqlQuery {
  const base = baseCte(spec, [], source);
  const unit = granularityUnit(spec.granularity);
  return {
    sql: `WITH ${base.sql},
buckets AS (
  SELECT date_trunc('${unit}', ts) AS bucket,
    count(*) AS events,
    count(*) FILTER (WHERE ${PAGE_TYPES}) AS page_views,
    count(DISTINCT person) AS visitors
  FROM base GROUP BY 1
)
SELECT strftime(bucket, '%Y-%m-%dT%H:%M:%SZ') AS bucket, events, page_views, visitors FROM buckets ORDER BY buckets.bucket`,
    params: base.params,
  };
}

export function breakdownQuery(spec: OverviewSpec, panel: BreakdownPanel, source: OverviewSource = EVENTS_SOURCE): SqlQuery {
  const referrers = panel.id === 'referrers';
  const base = baseCte(spec, [panel.column], source, referrers ? source.referrer.columns : '');
  const column = columnIdentifier(panel.column);
  const conditions = [panel.id === 'pages' ? PAGE_TYPES : 'TRUE', panel.skipEmpty ? `${column} IS NOT NULL` : 'TRUE'];
  if (referrers) conditions.push(source.referrer.kept);
  // grouped by the column itself, shown as text: the local overview table stores it as an ENUM (overview-cube.ts)
  return {
    sql: `WITH ${base.sql}
SELECT CAST(${column} AS VARCHAR) AS value, count(DISTINCT person) AS visitors, count(*) AS count
FROM base WHERE ${conditions.join(' AND ')}
GROUP BY ${column} ORDER BY ${panel.id === 'pages' ? 'count DESC, visitors DESC' : 'visitors DESC, count DESC'}, value NULLS LAST
LIMIT ?`,
    params: [...base.params, spec.topN ?? DEFAULT_TOP_N],
  };
}

/** The most frequent values of a column in the range, for filter suggestions. */
export function columnValuesQuery(spec: Pick<OverviewSpec, 'from' | 'to' | 'filters'>, column: ColumnName, limit = 50): SqlQuery {
  const where = whereClause(spec);
  const id = columnIdentifier(column);
  return {
    sql: `SELECT CAST(${id} AS VARCHAR) AS value, count(*) AS n FROM ${EVENTS_TABLE} WHERE ${where.sql} AND ${id} IS NOT NULL GROUP BY 1 ORDER BY n DESC, value LIMIT ?`,
    params: [...where.params, limit],
  };
}

function granularityUnit(granularity: Granularity): Granularity {
  if (granularity !== 'hour' && granularity !== 'day' && granularity !== 'week') throw new Error(`unknown granularity "${String(granularity)}"`);
  return granularity;
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : v == null ? 0 : Number(v));

export async function overviewKpis(engine: QueryEngine, spec: OverviewSpec, source: OverviewSource = EVENTS_SOURCE): Promise<OverviewKpis> {
  const q = kpisQuery(spec, source);
  const [row] = await engine.query(q.sql, q.params);
  return kpisFromRow(row);
}

export async function eventsOverTime(engine: QueryEngine, spec: OverviewSpec, source: OverviewSource = EVENTS_SOURCE): Promise<TimePoint[]> {
  const q = seriesQuery(spec, source);
  const rows = await engine.query(q.sql, q.params);
  const points = new Map<string, TimePoint>();
  for (const r of rows) {
    const bucket = String(r.bucket);
    points.set(bucket, { bucket, events: num(r.events), pageViews: num(r.page_views), visitors: num(r.visitors) });
  }
  return timeBuckets(spec.from, spec.to, spec.granularity).map((bucket) => points.get(bucket) ?? { bucket, events: 0, pageViews: 0, visitors: 0 });
}

/** Start of the UTC bucket holding `ms`, as date_trunc(unit, ts) in DuckDB (weeks start on Monday). */
export function bucketStart(ms: number, granularity: Granularity): number {
  const unit = WINDOW_UNITS[granularity === 'week' ? 'day' : granularity];
  const start = Math.floor(ms / unit) * unit;
  return granularity === 'week' ? start - ((new Date(start).getUTCDay() + 6) % 7) * DAY_MS : start;
}

/** A bucket start as the series reports it (`2026-03-02T00:00:00Z`). */
export const bucketLabelUtc = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Every bucket start from the range's first to its last day (weeks start on Monday, as date_trunc('week')). */
export function timeBuckets(from: string, to: string, granularity: Granularity): string[] {
  const stepMs = WINDOW_UNITS[granularity];
  const end = Date.parse(`${to}T00:00:00Z`) + DAY_MS;
  const buckets: string[] = [];
  for (let t = bucketStart(Date.parse(`${from}T00:00:00Z`), granularity); t < end && buckets.length < 100_000; t += stepMs) buckets.push(bucketLabelUtc(t));
  return buckets;
}

export async function breakdown(engine: QueryEngine, spec: OverviewSpec, panel: BreakdownPanel, source: OverviewSource = EVENTS_SOURCE): Promise<BreakdownRow[]> {
  const q = breakdownQuery(spec, panel, source);
  const rows = await engine.query(q.sql, q.params);
  return rows.map((r) => ({ value: r.value == null ? null : String(r.value), visitors: num(r.visitors), count: num(r.count) }));
}

export async function columnValues(engine: QueryEngine, spec: Pick<OverviewSpec, 'from' | 'to' | 'filters'>, column: ColumnName, limit = 50): Promise<string[]> {
  const q = columnValuesQuery(spec, column, limit);
  const rows = await engine.query(q.sql, q.params);
  return rows.map((r) => String(r.value));
}

/** All panels, one query at a time (a single-threaded engine gains nothing from overlap). */
export async function runOverview(engine: QueryEngine, spec: OverviewSpec, source: OverviewSource = EVENTS_SOURCE): Promise<OverviewResult> {
  const kpis = await overviewKpis(engine, spec, source);
  const series = await eventsOverTime(engine, spec, source);
  const breakdowns = {} as Record<BreakdownPanelId, BreakdownRow[]>;
  for (const panel of BREAKDOWN_PANELS) breakdowns[panel.id] = await breakdown(engine, spec, panel, source);
  return { kpis, series, breakdowns };
}

/** Every query of the overview, in order, for benchmarks. */
export function overviewQueries(spec: OverviewSpec): { name: string; query: SqlQuery }[] {
  return [
    { name: 'kpis', query: kpisQuery(spec) },
    { name: 'events over time', query: seriesQuery(spec) },
    ...BREAKDOWN_PANELS.map((panel) => ({ name: panel.title.toLowerCase(), query: breakdownQuery(spec, panel) })),
  ];
}

/**
 * Every panel of the overview in ONE statement: the figures, the chart over time and the seven breakdowns, each the
 * same SQL as its own query (kpisQuery, seriesQuery, breakdownQuery) over one shared `base`, their rows stacked with
 * UNION ALL as (part, pos, value, figures…). In DuckDB-Wasm each statement costs a fixed ~40 ms of messages between
 * the data worker and DuckDB's worker (a pending query is polled, then fetched), so nine statements cost ~0.36 s before
 * any work; one costs it once. `materialize` computes `base` once (AS MATERIALIZED) instead of scanning per panel.
 * Read the rows with `overviewFromRows`; the result equals runOverview's (tested).
 */
export function overviewQuery(spec: OverviewSpec, source: OverviewSource = EVENTS_SOURCE, options: { materialize?: boolean } = {}): SqlQuery {
  const columns = [...new Set<ColumnName>(['session_id', 'revenue', ...BREAKDOWN_PANELS.map((p) => p.column)])];
  const base = baseCte(spec, columns, source, source.referrer.columns);
  const baseSql = options.materialize ? base.sql.replace(/^base AS \(/, 'base AS MATERIALIZED (') : base.sql;
  const purchase = spec.purchaseEvent ?? DEFAULT_PURCHASE_EVENT;
  const topN = spec.topN ?? DEFAULT_TOP_N;
  if (!Number.isInteger(topN) || topN < 1 || topN > 10_000) throw new Error(`topN: expected an integer from 1 to 10000, got ${String(topN)}`);
  const unit = granularityUnit(spec.granularity);
  const order = source.sessionOrder;
  const panels = BREAKDOWN_PANELS.map((panel) => {
    const column = columnIdentifier(panel.column);
    const conditions = [panel.id === 'pages' ? PAGE_TYPES : 'TRUE', panel.skipEmpty ? `${column} IS NOT NULL` : 'TRUE'];
    if (panel.id === 'referrers') conditions.push(source.referrer.kept);
    const ordering = panel.id === 'pages' ? 'count DESC, visitors DESC' : 'visitors DESC, count DESC';
    return {
      cte: `b_${panel.id} AS (
  SELECT CAST(${column} AS VARCHAR) AS value, count(DISTINCT person) AS visitors, count(*) AS count
  FROM base WHERE ${conditions.join(' AND ')}
  GROUP BY ${column} ORDER BY ${ordering}, value NULLS LAST LIMIT ${topN}
)`,
      select: `SELECT '${panel.id}', row_number() OVER (ORDER BY ${ordering}, value NULLS LAST), value, NULL, NULL, visitors, NULL, NULL, NULL, NULL, NULL, NULL, count FROM b_${panel.id}`,
    };
  });
  return {
    sql: `WITH ${baseSql},
${sessionKpiCtes(order)},
buckets AS (
  SELECT date_trunc('${unit}', ts) AS bucket,
    count(*) AS events,
    count(*) FILTER (WHERE ${PAGE_TYPES}) AS page_views,
    count(DISTINCT person) AS visitors
  FROM base GROUP BY 1
),
${panels.map((p) => p.cte).join(',\n')}
SELECT 'kpis' AS part, 0::BIGINT AS pos, NULL::VARCHAR AS value, events, page_views, visitors, purchasers, orders, revenue::DOUBLE AS revenue, sessions, bounces, avg_session_seconds::DOUBLE AS avg_session_seconds, NULL::BIGINT AS count
FROM totals, session_totals
UNION ALL
SELECT 'series', row_number() OVER (ORDER BY bucket), strftime(bucket, '%Y-%m-%dT%H:%M:%SZ'), events, page_views, visitors, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM buckets
${panels.map((p) => `UNION ALL\n${p.select}`).join('\n')}`,
    params: [...base.params, purchase, purchase, purchase, purchase],
  };
}

/** The rows of overviewQuery as the overview's result. */
export function overviewFromRows(spec: OverviewSpec, rows: readonly Record<string, unknown>[]): OverviewResult {
  const byPart = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) {
    const part = String(r.part);
    const list = byPart.get(part) ?? [];
    list.push(r);
    byPart.set(part, list);
  }
  const sorted = (part: string) => (byPart.get(part) ?? []).sort((a, b) => num(a.pos) - num(b.pos));
  const row = byPart.get('kpis')?.[0];
  const kpis = kpisFromRow(row);
  const points = new Map<string, TimePoint>();
  for (const r of sorted('series')) {
    const bucket = String(r.value);
    points.set(bucket, { bucket, events: num(r.events), pageViews: num(r.page_views), visitors: num(r.visitors) });
  }
  const series = timeBuckets(spec.from, spec.to, spec.granularity).map((bucket) => points.get(bucket) ?? { bucket, events: 0, pageViews: 0, visitors: 0 });
  const breakdowns = {} as Record<BreakdownPanelId, BreakdownRow[]>;
  for (const panel of BREAKDOWN_PANELS) {
    breakdowns[panel.id] = sorted(panel.id).map((r) => ({ value: r.value == null ? null : String(r.value), visitors: num(r.visitors), count: num(r.count) }));
  }
  return { kpis, series, breakdowns };
}

/** All panels in one statement (overviewQuery); equal to runOverview. */
export async function runOverviewOnce(engine: QueryEngine, spec: OverviewSpec, source: OverviewSource = EVENTS_SOURCE, options: { materialize?: boolean } = {}): Promise<OverviewResult> {
  const q = overviewQuery(spec, source, options);
  return overviewFromRows(spec, await engine.query(q.sql, q.params));
}
