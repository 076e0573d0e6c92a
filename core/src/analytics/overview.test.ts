import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_COLUMNS, type EventRow } from '../schema/event-columns';
import type { QueryEngine, Row, SqlValue } from '../engine/query-engine';
import { createTableSql } from '../engine/events-table';
import {
  BREAKDOWN_PANELS,
  breakdown,
  columnValues,
  eventsOverTime,
  filterConditions,
  overviewKpis,
  runOverview,
  timeBuckets,
  type ColumnFilter,
  type OverviewSpec,
} from './overview';
import { seriesFromFileIndex, type FileSpan } from './series-from-index';

let connection: DuckDBConnection;
const engine: QueryEngine = {
  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const reader = await connection.runAndReadAll(sql, params.map((p) => (p instanceof Date ? p.toISOString() : p)) as never);
    return reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]))) as T[];
  },
};

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => connection?.closeSync());

let seq = 0;
type EventInput = Partial<Omit<EventRow, 'timestamp'>> & { at: string };
function ev(input: EventInput): EventRow {
  const { at, ...rest } = input;
  const ts = Date.parse(at);
  seq += 1;
  return {
    event_id: `e${String(seq).padStart(4, '0')}`, timestamp: ts, received_at: ts, type: 'track', event: 'track', name: null, site: 'demo',
    anonymous_id: null, user_id: null, previous_id: null, group_id: null, session_id: null, page_url: null, page_path: null, page_title: null,
    referrer_host: null, utm_source: null, utm_medium: null, utm_campaign: null, utm_term: null, utm_content: null, channel: 'direct',
    country: null, region: null, device_type: null, os: null, browser: null, browser_version: null, locale: null, library: null,
    product_id: null, category: null, price: null, quantity: null, revenue: null, currency: null, order_id: null, experiment: null,
    variant: null, properties: '{}', quality_flags: '', schema_version: 1,
    ...rest,
  };
}
const page = (at: string, rest: Omit<EventInput, 'at'> = {}) => ev({ at, type: 'page', event: 'page', ...rest });
const track = (at: string, event: string, rest: Omit<EventInput, 'at'> = {}) => ev({ at, type: 'track', event, ...rest });

async function loadEvents(rows: EventRow[]): Promise<void> {
  await connection.run('DROP TABLE IF EXISTS events');
  await connection.run(createTableSql('events', EVENT_COLUMNS));
  for (const row of rows) {
    const values = EVENT_COLUMNS.map((c) => {
      const v = row[c.name];
      return c.kind === 'timestamp' ? new Date(v as number).toISOString() : v;
    });
    await connection.run(`INSERT INTO events VALUES (${EVENT_COLUMNS.map((c) => (c.kind === 'timestamp' ? 'CAST(? AS TIMESTAMP)' : '?')).join(', ')})`, values as never);
  }
}

const spec = (over: Partial<OverviewSpec> = {}): OverviewSpec => ({ from: '2026-03-01', to: '2026-03-07', filters: [], granularity: 'day', ...over });

/**
 * Alice (user u1, explicit session ids): session s1 = 3 pages + add-to-cart + order over 10 minutes; session s2 = 1 page (bounce).
 * Bob (anonymous a2, no session ids): pages at 10:00, 10:30 (exactly 30 min: same session), 11:00:00.001 (new session), then
 * a page on 03-03 (third session, a bounce). Carol (anonymous a3, no session ids): one page (bounce) and one identify.
 */
function sampleEvents(): EventRow[] {
  const alice = { user_id: 'u1', anonymous_id: 'a1', country: 'DE', device_type: 'desktop', browser: 'Firefox', channel: 'paid_search', utm_campaign: 'spring' };
  const bob = { anonymous_id: 'a2', country: 'US', device_type: 'mobile', browser: 'Safari', channel: 'organic_search', referrer_host: 'google.com' };
  const carol = { anonymous_id: 'a3', country: null, device_type: 'mobile', browser: 'Chrome', channel: 'direct' };
  return [
    page('2026-03-01T09:00:00Z', { ...alice, session_id: 's1', page_path: '/' }),
    page('2026-03-01T09:02:00Z', { ...alice, session_id: 's1', page_path: '/products/shoe' }),
    track('2026-03-01T09:03:00Z', 'Product Added', { ...alice, session_id: 's1', price: 40 }),
    page('2026-03-01T09:05:00Z', { ...alice, session_id: 's1', page_path: '/checkout' }),
    track('2026-03-01T09:08:00Z', 'Checkout Started', { ...alice, session_id: 's1', revenue: 80 }),
    track('2026-03-01T09:10:00Z', 'Order Completed', { ...alice, session_id: 's1', revenue: 80, order_id: 'o1' }),
    page('2026-03-02T12:00:00Z', { ...alice, session_id: 's2', page_path: '/' }),
    page('2026-03-01T10:00:00Z', { ...bob, page_path: '/' }),
    page('2026-03-01T10:30:00Z', { ...bob, page_path: '/products/shoe' }),
    page('2026-03-01T11:00:00.001Z', { ...bob, page_path: '/Products/Hat' }),
    page('2026-03-03T08:00:00Z', { ...bob, page_path: '/' }),
    page('2026-03-04T23:59:59.999Z', { ...carol, page_path: '/' }),
    ev({ at: '2026-03-04T23:59:59.999Z', ...carol, type: 'identify', event: 'identify' }),
    // outside the range: the day after `to` and the day before `from`
    page('2026-03-08T00:00:00Z', { ...carol, page_path: '/' }),
    track('2026-02-28T23:59:59.999Z', 'Order Completed', { ...bob, revenue: 999 }),
  ];
}

describe('overview KPIs', () => {
  beforeEach(() => loadEvents(sampleEvents()));

  it('counts page views, persons, sessions (session ids and 30-minute inactivity), bounces, durations, conversion and revenue', async () => {
    const kpis = await overviewKpis(engine, spec());
    expect(kpis.events).toBe(13);
    expect(kpis.pageViews).toBe(9);
    expect(kpis.visitors).toBe(3);
    // alice: s1, s2; bob: [10:00, 10:30], [11:00:00.001], [03-03]; carol: [03-04]
    expect(kpis.sessions).toBe(6);
    // bounces: alice s2, bob 11:00, bob 03-03, carol (identify is not an interaction)
    expect(kpis.bounceRate).toBeCloseTo(4 / 6, 10);
    // durations: s1 600 s, bob's first 1800 s, the rest 0
    expect(kpis.avgSessionSeconds).toBeCloseTo((600 + 1800) / 6, 10);
    expect(kpis.purchasers).toBe(1);
    expect(kpis.conversionRate).toBeCloseTo(1 / 3, 10);
    expect(kpis.orders).toBe(1);
    expect(kpis.revenue).toBe(80);
  });

  it('uses a configurable purchase event', async () => {
    const kpis = await overviewKpis(engine, spec({ purchaseEvent: 'Product Added' }));
    expect(kpis.purchasers).toBe(1);
    expect(kpis.revenue).toBe(0);
  });

  it('returns zeros and nulls on an empty range', async () => {
    const kpis = await overviewKpis(engine, spec({ from: '2025-01-01', to: '2025-01-02' }));
    expect(kpis).toMatchObject({ events: 0, visitors: 0, sessions: 0, bounceRate: null, avgSessionSeconds: null, conversionRate: null, revenue: 0 });
  });

  it('treats both ends of the date range as inclusive UTC days', async () => {
    expect((await overviewKpis(engine, spec({ from: '2026-03-04', to: '2026-03-04' }))).events).toBe(2);
    expect((await overviewKpis(engine, spec({ from: '2026-03-08', to: '2026-03-08' }))).events).toBe(1);
    expect((await overviewKpis(engine, spec({ from: '2026-02-28', to: '2026-02-28' }))).revenue).toBe(999);
  });

  it('sessionises ties in time deterministically (same timestamp twice, no session id)', async () => {
    await loadEvents([
      page('2026-03-01T10:00:00Z', { anonymous_id: 'x', page_path: '/a' }),
      page('2026-03-01T12:00:00Z', { anonymous_id: 'x', page_path: '/b' }),
      track('2026-03-01T12:00:00Z', 'Clicked', { anonymous_id: 'x' }),
    ]);
    const kpis = await overviewKpis(engine, spec());
    expect(kpis.sessions).toBe(2);
    expect(kpis.bounceRate).toBe(0.5);
  });
});

describe('filters', () => {
  beforeEach(() => loadEvents(sampleEvents()));

  const withFilters = (...filters: ColumnFilter[]) => overviewKpis(engine, spec({ filters }));

  it('eq, in, contains (case-insensitive) and empty', async () => {
    expect((await withFilters({ column: 'country', op: 'eq', values: ['DE'] })).visitors).toBe(1);
    expect((await withFilters({ column: 'country', op: 'in', values: ['DE', 'US'] })).visitors).toBe(2);
    expect((await withFilters({ column: 'page_path', op: 'contains', values: ['products/'] })).pageViews).toBe(3);
    expect((await withFilters({ column: 'country', op: 'empty', values: [] })).events).toBe(2);
    const both = await withFilters({ column: 'device_type', op: 'eq', values: ['mobile'] }, { column: 'browser', op: 'eq', values: ['Safari'] });
    expect(both).toMatchObject({ visitors: 1, sessions: 3, pageViews: 4 });
  });

  it('compares non-text columns as text', async () => {
    expect((await withFilters({ column: 'revenue', op: 'eq', values: ['80.0'] })).events).toBe(2);
    expect((await withFilters({ column: 'schema_version', op: 'eq', values: ['1'] })).events).toBe(13);
  });

  it('passes values as parameters, never as SQL text', async () => {
    const hostile = `DE' OR '1'='1`;
    const q = filterConditions([{ column: 'country', op: 'in', values: [hostile, 'x"); DROP TABLE events; --'] }]);
    expect(q.sql).not.toContain(hostile);
    expect(q.sql).not.toContain('DROP');
    expect(q.params).toEqual([hostile, 'x"); DROP TABLE events; --']);
    expect((await withFilters({ column: 'country', op: 'eq', values: [hostile] })).events).toBe(0);
    expect((await overviewKpis(engine, spec())).events).toBe(13);
  });

  it('rejects columns outside the schema and oversized filters', () => {
    expect(() => filterConditions([{ column: 'country"; DROP TABLE events; --' as never, op: 'eq', values: ['x'] }])).toThrow(/unknown column/);
    expect(() => filterConditions([{ column: 'country', op: 'in', values: Array.from({ length: 101 }, String) }])).toThrow(/at most 100/);
    expect(() => filterConditions([{ column: 'country', op: 'eq', values: [] }])).toThrow(/no value/);
    expect(() => filterConditions([{ column: 'country', op: 'like' as never, values: ['x'] }])).toThrow(/unknown filter operator/);
  });

  it('applies to every panel', async () => {
    const filtered = await runOverview(engine, spec({ filters: [{ column: 'channel', op: 'eq', values: ['organic_search'] }] }));
    expect(filtered.kpis.visitors).toBe(1);
    expect(filtered.series.reduce((n, p) => n + p.events, 0)).toBe(filtered.kpis.events);
    expect(filtered.breakdowns.channels).toEqual([{ value: 'organic_search', visitors: 1, count: 4 }]);
    expect(filtered.breakdowns.countries).toEqual([{ value: 'US', visitors: 1, count: 4 }]);
    expect(filtered.breakdowns.pages.reduce((n, r) => n + r.count, 0)).toBe(filtered.kpis.pageViews);
    expect(filtered.breakdowns.campaigns).toEqual([]);
  });
});

describe('events over time', () => {
  beforeEach(() => loadEvents(sampleEvents()));

  it('by day, with empty days filled', async () => {
    const series = await eventsOverTime(engine, spec());
    expect(series.map((p) => p.bucket)).toEqual(timeBuckets('2026-03-01', '2026-03-07', 'day'));
    expect(series.map((p) => p.events)).toEqual([9, 1, 1, 2, 0, 0, 0]);
    expect(series[0]).toEqual({ bucket: '2026-03-01T00:00:00Z', events: 9, pageViews: 6, visitors: 2 });
  });

  it('by hour', async () => {
    const series = await eventsOverTime(engine, spec({ from: '2026-03-01', to: '2026-03-01', granularity: 'hour' }));
    expect(series).toHaveLength(24);
    expect(series[9]).toEqual({ bucket: '2026-03-01T09:00:00Z', events: 6, pageViews: 3, visitors: 1 });
    expect(series[10]?.events).toBe(2);
    expect(series[11]?.events).toBe(1);
  });

  it('by week, weeks starting on Monday', async () => {
    const series = await eventsOverTime(engine, spec({ granularity: 'week' }));
    // 2026-03-01 is a Sunday: its week starts on 2026-02-23
    expect(series.map((p) => p.bucket)).toEqual(['2026-02-23T00:00:00Z', '2026-03-02T00:00:00Z']);
    expect(series.map((p) => p.events)).toEqual([6 + 2 + 1, 1 + 1 + 2]);
  });

  /** The sample split into files per UTC hour or day, as the edge writes and compacts them, listed by their spans. */
  function fileIndex(partitionMs: number): FileSpan[] {
    const files = new Map<number, number[]>();
    for (const row of sampleEvents()) {
      const partition = Math.floor(row.timestamp / partitionMs);
      files.set(partition, [...(files.get(partition) ?? []), row.timestamp]);
    }
    const iso = (ms: number) => new Date(ms).toISOString();
    return [...files.values()].map((times) => ({ rows: times.length, minTime: iso(Math.min(...times)), maxTime: iso(Math.max(...times)) }));
  }

  it.each(['hour', 'day', 'week'] as const)('by %s equals the events counted from an index of hourly files', async (granularity) => {
    const query = await eventsOverTime(engine, spec({ granularity }));
    expect(seriesFromFileIndex(fileIndex(3_600_000), spec({ granularity }))).toEqual(query.map(({ bucket, events }) => ({ bucket, events })));
  });

  it('equals the events counted from an index of daily files by day and week; by hour such an index cannot tell', async () => {
    for (const granularity of ['day', 'week'] as const) {
      const query = await eventsOverTime(engine, spec({ granularity }));
      expect(seriesFromFileIndex(fileIndex(86_400_000), spec({ granularity }))).toEqual(query.map(({ bucket, events }) => ({ bucket, events })));
    }
    expect(seriesFromFileIndex(fileIndex(86_400_000), spec({ granularity: 'hour' }))).toBeNull();
  });
});

describe('breakdowns', () => {
  beforeEach(() => loadEvents(sampleEvents()));
  const panel = (id: string) => BREAKDOWN_PANELS.find((p) => p.id === id)!;

  it('top pages by page views', async () => {
    expect(await breakdown(engine, spec(), panel('pages'))).toEqual([
      { value: '/', visitors: 3, count: 5 },
      { value: '/products/shoe', visitors: 2, count: 2 },
      { value: '/Products/Hat', visitors: 1, count: 1 },
      { value: '/checkout', visitors: 1, count: 1 },
    ]);
  });

  it('leaves out empty referrers and campaigns but keeps unknown countries', async () => {
    expect(await breakdown(engine, spec(), panel('referrers'))).toEqual([{ value: 'google.com', visitors: 1, count: 4 }]);
    expect(await breakdown(engine, spec(), panel('campaigns'))).toEqual([{ value: 'spring', visitors: 1, count: 7 }]);
    expect(await breakdown(engine, spec(), panel('countries'))).toEqual([
      { value: 'DE', visitors: 1, count: 7 },
      { value: 'US', visitors: 1, count: 4 },
      { value: null, visitors: 1, count: 2 },
    ]);
  });

  it('leaves out self-referrals: a referrer equal to the host of the page it led to', async () => {
    await loadEvents([
      page('2026-03-02T10:00:00Z', { anonymous_id: 'r1', page_url: 'https://www.Shop.example:8443/a', referrer_host: 'shop.example' }),
      page('2026-03-02T10:01:00Z', { anonymous_id: 'r1', page_url: 'https://shop.example/b', referrer_host: 'google.com' }),
      page('2026-03-02T10:02:00Z', { anonymous_id: 'r2', page_url: null, referrer_host: 'shop.example' }),
      page('2026-03-02T10:03:00Z', { anonymous_id: 'r2', page_url: 'https://blog.shop.example/', referrer_host: 'shop.example' }),
    ]);
    expect(await breakdown(engine, spec(), panel('referrers'))).toEqual([
      { value: 'shop.example', visitors: 1, count: 2 },
      { value: 'google.com', visitors: 1, count: 1 },
    ]);
  });

  it('limits to top N', async () => {
    expect(await breakdown(engine, spec({ topN: 2 }), panel('pages'))).toHaveLength(2);
  });

  it('suggests column values for filters', async () => {
    expect(await columnValues(engine, spec(), 'browser')).toEqual(['Firefox', 'Safari', 'Chrome']);
  });
});
