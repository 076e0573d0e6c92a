/**
 * What a result was computed from, so that two people comparing numbers can see why they differ: the time the
 * analysis read, the identity mode, and how many events, persons (and orders) the loaded data has, how many the
 * analysis considered, and how many it left out for lying outside the range or being flagged as invalid
 * (quality-gate.ts). Every analysis attaches one as `result.basis`, computed by one query (analysisBasisSql); each
 * says which spans of time it reads and which events are its orders. Definitions: docs/analytics.md ("Basis").
 */
import type { QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, personEvents, type IdentityMode } from './identity';
import { flaggedCondition } from './quality-gate';
import { columnsFor, DAY_MS, eventCondition, matcherProperties, or, sql, timeCondition, type EventMatcher, type Sql, type TimeBounds } from './sql';

export interface BasisCounts {
  /** In the loaded data. */
  loaded: number;
  /** Read by the analysis: in its range and, unless flagged rows are included, with an unflagged row there. */
  considered: number;
  /** In the range with only flagged rows there (an event: flagged), whether left out or included. */
  flagged: number;
  excluded: {
    /** With no row in the range. */
    outOfRange: number;
    /** `flagged`, when flagged rows are left out (the default); else 0. */
    flagged: number;
  };
}

export interface AnalysisBasis {
  /** The events read, as inclusive UTC instants (an open end is null); null when the analysis read all the data. */
  range: { from: string | null; to: string | null } | null;
  identity: IdentityMode;
  /** Whether rows flagged as invalid were used. */
  includeFlagged: boolean;
  events: BasisCounts;
  persons: BasisCounts & {
    /** Considered persons without a user id: never identified, so nothing was merged into their anonymous id. */
    unlinked: number;
    /** Distinct user id, else anonymous id, of the considered events: the overview's unique visitors. */
    visitors: number;
  };
  /** Analyses of orders or conversions: distinct order_id of those events (an event without one is one order). */
  orders?: BasisCounts & { events: string[] };
}

/** An analysis result with the basis it was computed from. */
export type WithBasis<T> = T & { basis: AnalysisBasis };

export interface BasisOptions {
  identity: IdentityMode;
  includeFlagged?: boolean | undefined;
  /** The spans of time the analysis reads; several for an analysis of several periods, none bounded for all data. */
  spans: readonly TimeBounds[];
  /** The events that are the analysis' orders, and the spans it reads them in (default `spans`). */
  orders?: { matchers: readonly EventMatcher[]; spans?: readonly TimeBounds[] | undefined } | undefined;
}

const within = (spans: readonly TimeBounds[]): Sql => sql`coalesce(${or(spans.map((span) => timeCondition(span)))}, false)`;

/** One row: loaded, out-of-range and flagged counts of events, persons and orders, unlinked persons, visitors. */
export function analysisBasisSql(options: BasisOptions): Sql {
  const orders = options.orders;
  const columns = columnsFor(orders ? matcherProperties(orders.matchers) : [], [
    'timestamp',
    'user_id',
    'anonymous_id',
    'quality_flags',
    ...(orders ? ['event', 'order_id', 'event_id'] : []),
  ]);
  const kept = (inRange: Sql, clean: Sql) => (options.includeFlagged ? inRange : clean);
  const orderColumns = orders
    ? sql`, coalesce(${or(orders.matchers.map((m) => eventCondition(m)))}, false) AS is_order, coalesce(order_id, event_id) AS order_key,
        ${within(orders.spans ?? options.spans)} AS order_in_range`
    : sql``;
  const orderTotals = orders
    ? sql`, (SELECT count(*)::BIGINT AS orders, count(*) FILTER (WHERE NOT seen)::BIGINT AS orders_out, count(*) FILTER (WHERE seen AND NOT clean)::BIGINT AS orders_flagged
        FROM (SELECT bool_or(order_in_range) AS seen, bool_or(order_in_range AND NOT flagged) AS clean FROM ev WHERE is_order GROUP BY order_key)) o`
    : sql``;
  // Integer person keys: the grouping below runs over every loaded event.
  return sql`WITH ev AS MATERIALIZED (
      SELECT person, coalesce(user_id, anonymous_id) AS visitor, user_id IS NOT NULL AS has_user,
        ${within(options.spans)} AS in_range, ${flaggedCondition()} AS flagged${orderColumns}
      FROM ${personEvents(options.identity, columns, { key: 'integer', includeFlagged: true })}
    )
    SELECT * FROM
      (SELECT count(*)::BIGINT AS events, count(*) FILTER (WHERE NOT in_range)::BIGINT AS events_out,
          count(*) FILTER (WHERE in_range AND flagged)::BIGINT AS events_flagged,
          count(DISTINCT visitor) FILTER (WHERE ${kept(sql`in_range`, sql`in_range AND NOT flagged`)})::BIGINT AS visitors
        FROM ev) e,
      (SELECT count(*)::BIGINT AS persons, count(*) FILTER (WHERE NOT seen)::BIGINT AS persons_out,
          count(*) FILTER (WHERE seen AND NOT clean)::BIGINT AS persons_flagged,
          count(*) FILTER (WHERE ${kept(sql`seen`, sql`clean`)} AND NOT linked)::BIGINT AS unlinked
        FROM (SELECT bool_or(in_range) AS seen, bool_or(in_range AND NOT flagged) AS clean, bool_or(has_user) AS linked FROM ev WHERE person IS NOT NULL GROUP BY person)) p
      ${orderTotals}`;
}

function counts(includeFlagged: boolean, loaded: number, outOfRange: number, flagged: number): BasisCounts {
  const leftOut = includeFlagged ? 0 : flagged;
  return { loaded, considered: loaded - outOfRange - leftOut, flagged, excluded: { outOfRange, flagged: leftOut } };
}

/** The smallest span covering `spans`, as inclusive ISO instants; null when it is unbounded at both ends. */
export function basisRange(spans: readonly TimeBounds[]): AnalysisBasis['range'] {
  if (spans.length === 0) return null;
  const from = spans.some((s) => s.fromMs === null) ? null : Math.min(...spans.map((s) => s.fromMs!));
  const to = spans.some((s) => s.toMs === null) ? null : Math.max(...spans.map((s) => s.toMs!));
  if (from === null && to === null) return null;
  return { from: from === null ? null : new Date(from).toISOString(), to: to === null ? null : new Date(to - 1).toISOString() };
}

/** The basis of a result: one query over the events (and the person map, built when missing, for merged identity). */
export async function analysisBasis(engine: QueryEngine, options: BasisOptions): Promise<AnalysisBasis> {
  if (options.identity === 'merged') await ensurePersonMap(engine);
  const query = analysisBasisSql(options);
  const [row = {}] = await engine.query(query.text, query.params);
  const n = (key: string) => Number(row[key] ?? 0);
  const includeFlagged = options.includeFlagged === true;
  const basis: AnalysisBasis = {
    range: basisRange(options.spans),
    identity: options.identity,
    includeFlagged,
    events: counts(includeFlagged, n('events'), n('events_out'), n('events_flagged')),
    persons: { ...counts(includeFlagged, n('persons'), n('persons_out'), n('persons_flagged')), unlinked: n('unlinked'), visitors: n('visitors') },
  };
  if (options.orders) {
    basis.orders = { ...counts(includeFlagged, n('orders'), n('orders_out'), n('orders_flagged')), events: [...new Set(options.orders.matchers.map((m) => m.event))] };
  }
  return basis;
}

const whole = (x: number) => x.toLocaleString('en-US');
const plural = (x: number, one: string, many = `${one}s`) => `${whole(x)} ${x === 1 ? one : many}`;

function instant(iso: string, end: boolean): string {
  const ms = Date.parse(iso);
  const dayAligned = end ? (ms + 1) % DAY_MS === 0 : ms % DAY_MS === 0;
  return dayAligned ? iso.slice(0, 10) : iso;
}

/** The range in words: "2024-01-01 to 2024-01-31 (UTC)", open ends named. */
export function describeRange(range: AnalysisBasis['range']): string {
  if (range === null) return 'all loaded data';
  if (range.from === null) return `up to ${instant(range.to!, true)} (UTC)`;
  if (range.to === null) return `from ${instant(range.from, false)} on (UTC)`;
  return `${instant(range.from, false)} to ${instant(range.to, true)} (UTC)`;
}

function leftOut(c: BasisCounts, outside: string): string {
  const parts: string[] = [];
  if (c.excluded.outOfRange) parts.push(`${whole(c.excluded.outOfRange)} ${outside}`);
  if (c.excluded.flagged) parts.push(`${whole(c.excluded.flagged)} flagged as invalid`);
  return parts.length ? ` (left out: ${parts.join(', ')})` : '';
}

/**
 * The basis in plain words, one sentence each for the range and events, the persons, the orders and flagged rows;
 * the command line prints them on one line and the dashboard as a footnote.
 */
export function describeBasis(basis: AnalysisBasis): string[] {
  const { events, persons, orders } = basis;
  const sentences = [`${describeRange(basis.range)}: ${whole(events.considered)} of ${plural(events.loaded, 'loaded event')}${leftOut(events, 'outside the range')}.`];
  const who =
    basis.identity === 'merged'
      ? `ids linked by identify and alias are one person; ${whole(persons.unlinked)} never identified`
      : 'identity "none": each user id, else anonymous id, is a person';
  sentences.push(`${plural(persons.considered, 'person')} (${who}), ${plural(persons.visitors, 'visitor id')} as the overview counts visitors.`);
  if (orders) sentences.push(`${plural(orders.considered, 'order')} (${orders.events.join(', ')}) of ${whole(orders.loaded)}${leftOut(orders, 'outside the range')}.`);
  if (basis.includeFlagged) sentences.push(`Rows flagged as invalid are included: ${plural(events.flagged, 'event')}.`);
  else if (events.flagged) sentences.push(`Rows flagged as invalid (a price, quantity or revenue that could not be read) are left out.`);
  return sentences;
}
