/**
 * The rollup of one event file: per UTC hour (`total`) and per dimension value over the file, the counts and sums the
 * overview needs, and a sketch of the persons behind them. Computed by the edge from the very rows it writes to the event file (flush,
 * compaction, erasure rewrite), so a rollup always describes exactly one event file.
 *
 * Definitions are those of the overview (analytics/overview.ts), row for row:
 *   person      user_id, else anonymous_id; events with neither count as events but not as visitors
 *   page view   type page or screen; the `page_path` dimension holds page views only
 *   orders      events named DEFAULT_PURCHASE_EVENT; revenue = sum of revenue on them
 *   referrers   self-referrals (referrer_host = the host of page_url without www. and port) left out
 *   sessions    session_id, else a person's events with no gap over 30 minutes, as the overview, but only within
 *               this file: a session that continues in another file is counted once per file (a fragment). The
 *               fragment is counted in the hour of its first event, on the `total` row; bounces (one page view, no
 *               track) and durations (last - first event) are those of the fragment.
 */
import { DEFAULT_PURCHASE_EVENT, SESSION_GAP_MINUTES } from '../analytics/overview';
import type { EventRow } from '../schema/event-columns';
import { DistinctSketch, SKETCH_PRECISION, VALUE_SKETCH_PRECISION } from './distinct-sketch';

/** `total` (one row per hour, value null) and the columns the overview breaks down by, plus the event name. */
export const ROLLUP_DIMENSIONS = ['total', 'page_path', 'channel', 'referrer_host', 'utm_campaign', 'country', 'device_type', 'browser', 'event'] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

/** The sketch precision of a dimension's rows: KPIs finer, breakdown values coarser (see distinct-sketch.ts). */
export const sketchPrecisionOf = (dimension: RollupDimension): number => (dimension === 'total' || dimension === 'event' ? SKETCH_PRECISION : VALUE_SKETCH_PRECISION);

export interface RollupRow {
  /** start of the UTC hour, epoch ms */
  bucket: number;
  dimension: RollupDimension;
  /** the column's value; null when empty (and always for `total`) */
  value: string | null;
  events: number;
  page_views: number;
  orders: number;
  revenue: number;
  /** DistinctSketch of the persons of these events (encoded) */
  visitors: Uint8Array;
  /** session fragments starting in this hour; on `total` rows only, null elsewhere */
  sessions: number | null;
  bounces: number | null;
  session_seconds: number | null;
}

export type RollupSource = Pick<
  EventRow,
  'timestamp' | 'event_id' | 'type' | 'event' | 'user_id' | 'anonymous_id' | 'session_id' | 'revenue' | 'page_url' | 'page_path' | 'channel' | 'referrer_host' | 'utm_campaign' | 'country' | 'device_type' | 'browser'
>;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const GAP_MS = SESSION_GAP_MINUTES * 60_000;
const isPageView = (type: string) => type === 'page' || type === 'screen';
const personOf = (row: RollupSource): string | null => row.user_id ?? row.anonymous_id;
const PAGE_HOST = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#:]+)/;

/** The host of page_url as the overview's SQL derives it: lower case, without port and a leading `www.`; '' without one. */
export function pageHost(pageUrl: string): string {
  const match = PAGE_HOST.exec(pageUrl);
  return match ? match[1]!.toLowerCase().replace(/^www\./, '') : '';
}

/** The dimension values one event counts under (the dimension is left out where the overview leaves the event out). */
function dimensionValues(row: RollupSource): [RollupDimension, string | null][] {
  const values: [RollupDimension, string | null][] = [
    ['channel', row.channel],
    ['utm_campaign', row.utm_campaign],
    ['country', row.country],
    ['device_type', row.device_type],
    ['browser', row.browser],
    ['event', row.event],
  ];
  if (isPageView(row.type)) values.push(['page_path', row.page_path]);
  if (row.page_url === null || row.referrer_host === null || row.referrer_host !== pageHost(row.page_url)) values.push(['referrer_host', row.referrer_host]);
  return values;
}

interface Accumulator {
  bucket: number;
  dimension: RollupDimension;
  value: string | null;
  events: number;
  page_views: number;
  orders: number;
  revenue: number;
  persons: DistinctSketch;
  sessions: number;
  bounces: number;
  session_seconds: number;
}

/** The rollup rows of one file's event rows, ordered by bucket, dimension and value. */
export function rollupRows(rows: readonly RollupSource[]): RollupRow[] {
  const groups = new Map<string, Accumulator>();
  const groupOf = (bucket: number, dimension: RollupDimension, value: string | null): Accumulator => {
    const id = `${bucket}\u0000${dimension}\u0000${value === null ? '\u0001' : `=${value}`}`;
    let group = groups.get(id);
    if (!group) {
      group = { bucket, dimension, value, events: 0, page_views: 0, orders: 0, revenue: 0, persons: new DistinctSketch(sketchPrecisionOf(dimension)), sessions: 0, bounces: 0, session_seconds: 0 };
      groups.set(id, group);
    }
    return group;
  };
  const fileBucket = dimensionBucket(rows);
  for (const row of rows) {
    const bucket = Math.floor(row.timestamp / HOUR_MS) * HOUR_MS;
    const person = personOf(row);
    const view = isPageView(row.type) ? 1 : 0;
    const order = row.event === DEFAULT_PURCHASE_EVENT;
    const revenue = order && row.revenue !== null ? row.revenue : 0;
    for (const [dimension, value] of [['total', null] as [RollupDimension, null], ...dimensionValues(row)]) {
      const group = groupOf(dimension === 'total' ? bucket : fileBucket, dimension, value);
      group.events++;
      group.page_views += view;
      if (order) group.orders++;
      group.revenue += revenue;
      if (person !== null) group.persons.add(person);
    }
  }
  for (const session of sessionFragments(rows)) {
    const group = groupOf(Math.floor(session.first / HOUR_MS) * HOUR_MS, 'total', null);
    group.sessions++;
    if (session.views === 1 && session.tracks === 0) group.bounces++;
    group.session_seconds += (session.last - session.first) / 1000;
  }
  const order = new Map(ROLLUP_DIMENSIONS.map((d, i) => [d, i]));
  return [...groups.values()]
    .sort((a, b) => a.bucket - b.bucket || order.get(a.dimension)! - order.get(b.dimension)! || compareValues(a.value, b.value))
    .map((g) => ({
      bucket: g.bucket,
      dimension: g.dimension,
      value: g.value,
      events: g.events,
      page_views: g.page_views,
      orders: g.orders,
      revenue: g.revenue,
      visitors: g.persons.encode(),
      sessions: g.dimension === 'total' ? g.sessions : null,
      bounces: g.dimension === 'total' ? g.bounces : null,
      session_seconds: g.dimension === 'total' ? g.session_seconds : null,
    }));
}

/**
 * Dimension rows cover the whole file: its hour when all its events fall in one hour (a flushed or hour-compacted
 * file), else the start of its UTC day (a day-level part). Only `total` rows are per hour (the series needs them);
 * per-hour dimension rows would cost a sketch per hour and value for no panel of the overview.
 */
function dimensionBucket(rows: readonly RollupSource[]): number {
  if (rows.length === 0) return 0;
  const first = Math.floor(rows[0]!.timestamp / HOUR_MS) * HOUR_MS;
  const oneHour = rows.every((row) => Math.floor(row.timestamp / HOUR_MS) * HOUR_MS === first);
  return oneHour ? first : Math.floor(rows[0]!.timestamp / DAY_MS) * DAY_MS;
}

export interface SessionFragment {
  first: number;
  last: number;
  views: number;
  tracks: number;
}

/** Sessions as the overview's SQL forms them (kpisQuery), over the given rows only. */
export function sessionFragments(rows: readonly RollupSource[]): SessionFragment[] {
  const byKey = new Map<string, SessionFragment>();
  const add = (key: string, row: RollupSource) => {
    const s = byKey.get(key);
    const views = isPageView(row.type) ? 1 : 0;
    const tracks = row.type === 'track' ? 1 : 0;
    if (!s) byKey.set(key, { first: row.timestamp, last: row.timestamp, views, tracks });
    else {
      if (row.timestamp < s.first) s.first = row.timestamp;
      if (row.timestamp > s.last) s.last = row.timestamp;
      s.views += views;
      s.tracks += tracks;
    }
  };
  const inferred = new Map<string | null, RollupSource[]>();
  for (const row of rows) {
    if (row.session_id !== null) add(`s\u0000${row.session_id}`, row);
    else {
      const person = personOf(row);
      const list = inferred.get(person);
      if (list) list.push(row);
      else inferred.set(person, [row]);
    }
  }
  for (const [person, list] of inferred) {
    list.sort((a, b) => a.timestamp - b.timestamp || compareValues(a.event_id, b.event_id));
    let n = 0;
    let previous = -Infinity;
    for (const row of list) {
      if (row.timestamp - previous > GAP_MS) n++;
      previous = row.timestamp;
      add(`p\u0000${person ?? '\u0001'}\u0000${n}`, row);
    }
  }
  return [...byKey.values()];
}

/** Ascending, nulls last, by UTF-16 code units (DuckDB's byte order for the overview's ASCII-ish values). */
export function compareValues(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
