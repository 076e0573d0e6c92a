import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node';
import { openDemoEnginePair, ev, loadRows } from '../testing/event-rows';
import { CUBE_SOURCE, OVERVIEW_CUBE_TABLE, cubeCannotAnswer, overviewCubeStatements } from './overview-cube';
import { runOverview, runOverviewOnce, type ColumnFilter, type OverviewSpec } from './overview';

let stores: { wasm: EventStore; native: EventStore };

async function buildCube(store: EventStore, from = 'events'): Promise<void> {
  for (const statement of overviewCubeStatements(from)) await store.query(statement);
}

beforeAll(async () => {
  stores = await openDemoEnginePair();
  for (const store of Object.values(stores)) await buildCube(store);
}, 120_000);
afterAll(async () => {
  for (const store of Object.values(stores ?? {})) await store.close();
});

const demo = (over: Partial<OverviewSpec> = {}): OverviewSpec => ({ from: '2026-10-01', to: '2026-10-21', filters: [], granularity: 'day', ...over });
const filters: [string, ColumnFilter[]][] = [
  ['none', []],
  ['device_type = mobile', [{ column: 'device_type', op: 'eq', values: ['mobile'] }]],
  ['channel in (paid_search, email) and type = page', [{ column: 'channel', op: 'in', values: ['paid_search', 'email'] }, { column: 'type', op: 'eq', values: ['page'] }]],
  ['page_path contains product', [{ column: 'page_path', op: 'contains', values: ['product'] }]],
  ['utm_campaign empty', [{ column: 'utm_campaign', op: 'empty', values: [] }]],
  ['event = Order Completed', [{ column: 'event', op: 'eq', values: ['Order Completed'] }]],
];

describe('the local overview table answers as the events do', () => {
  for (const engine of ['native', 'wasm'] as const) {
    for (const [label, list] of filters) {
      it(`${engine}: every panel equal, filter ${label}, 21 days by day and 3 days by hour`, async () => {
        const store = stores[engine];
        let revenue = 0;
      for (const spec of [demo({ filters: list }), demo({ from: '2026-10-08', to: '2026-10-10', granularity: 'hour', filters: list })]) {
          const raw = await runOverview(store, spec);
          expect(raw.kpis.events).toBeGreaterThan(0);
          expect(await runOverview(store, spec, CUBE_SOURCE)).toEqual(raw);
          // every panel in one statement, over either table, base computed once or per panel
          expect(await runOverviewOnce(store, spec)).toEqual(raw);
          expect(await runOverviewOnce(store, spec, CUBE_SOURCE)).toEqual(raw);
          expect(await runOverviewOnce(store, spec, CUBE_SOURCE, { materialize: true })).toEqual(raw);
        }
      });
    }
  }

  for (const engine of ['native', 'wasm'] as const) {
    it(`${engine}: the table holds the events by time and still answers as events in another order do (filter and range)`, async () => {
      const store = stores[engine];
      const outOfOrder = async (table: string) =>
        Number((await store.query<{ n: bigint }>(`SELECT count(*) AS n FROM (SELECT "timestamp" < lag("timestamp") OVER (ORDER BY rowid) AS back FROM ${table}) WHERE back`))[0]!.n);
      // the events in an order unrelated to time, as the warehouse's file tables are; the table is built from them
      await store.query(`CREATE OR REPLACE TABLE events AS SELECT * FROM events ORDER BY hash(event_id)`);
      await buildCube(store);
      expect(await outOfOrder('events')).toBeGreaterThan(1000);
      expect(await outOfOrder(OVERVIEW_CUBE_TABLE)).toBe(0);
      let revenue = 0;
      for (const spec of [
        demo({ from: '2026-10-05', to: '2026-10-11', filters: [{ column: 'device_type', op: 'eq', values: ['mobile'] }] }),
        demo({ from: '2026-10-02', to: '2026-10-20', filters: [{ column: 'channel', op: 'in', values: ['paid_search', 'email'] }] }),
        demo({ filters: [{ column: 'event', op: 'eq', values: ['Order Completed'] }], granularity: 'week' }),
      ]) {
        const raw = await runOverview(store, spec);
        expect(raw.kpis.events).toBeGreaterThan(0);
        revenue += raw.kpis.revenue;
        expect(await runOverviewOnce(store, spec, CUBE_SOURCE)).toEqual(raw);
        expect(await runOverview(store, spec, CUBE_SOURCE)).toEqual(raw);
      }
      expect(revenue).toBeGreaterThan(0);
    });
  }

  it('keeps the sessions of events at the same instant, self-referrals and persons without ids as the events do', async () => {
    const store = stores.native;
    const page = (at: string, rest: Parameters<typeof ev>[0] extends infer T ? Omit<T & object, 'at'> : never) => ev({ at, type: 'page', event: 'page', ...rest });
    await loadRows(store, [
      page('2026-03-01T10:00:00Z', { anonymous_id: 'x', page_path: '/a', page_url: 'https://www.shop.test/a', referrer_host: 'shop.test' }),
      page('2026-03-01T12:00:00Z', { anonymous_id: 'x', page_path: '/b', page_url: 'https://shop.test:8443/b', referrer_host: 'google.com' }),
      ev({ at: '2026-03-01T12:00:00Z', type: 'track', event: 'Clicked', anonymous_id: 'x' }),
      ev({ at: '2026-03-01T12:00:00Z', type: 'track', event: 'Clicked', anonymous_id: 'x' }),
      page('2026-03-01T12:40:00Z', { anonymous_id: 'x', page_path: '/c', page_url: null, referrer_host: 'shop.test' }),
      page('2026-03-02T08:00:00Z', { user_id: 'u', session_id: 's', page_path: '/a', referrer_host: 'news.test' }),
      page('2026-03-02T08:00:00Z', { page_path: '/nobody' }),
      ev({ at: '2026-03-02T09:00:00Z', type: 'track', event: 'Order Completed', user_id: 'u', session_id: 's', revenue: 12.5 }),
    ]);
    await buildCube(store);
    const spec: OverviewSpec = { from: '2026-03-01', to: '2026-03-02', filters: [], granularity: 'hour' };
    const raw = await runOverview(store, spec);
    // x: 10:00, 12:00 (three events at one instant), 12:40; u: session s; the event without a person
    expect(raw.kpis.sessions).toBe(5);
    expect(raw.breakdowns.referrers.map((r) => r.value).sort()).toEqual(['google.com', 'news.test', 'shop.test']);
    expect(await runOverview(store, spec, CUBE_SOURCE)).toEqual(raw);
    expect(await runOverviewOnce(store, spec, CUBE_SOURCE)).toEqual(raw);
    expect(await runOverviewOnce(store, { ...spec, topN: 2 }, CUBE_SOURCE)).toEqual(await runOverview(store, { ...spec, topN: 2 }));
  });

  for (const engine of ['native', 'wasm'] as const) {
    it(`${engine}: stores the filter columns as ENUMs, and a value absent from the data matches nothing, as over the events`, async () => {
      const store = stores[engine];
      const types = await store.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = '${OVERVIEW_CUBE_TABLE}' AND column_name IN ('device_type', 'page_path', 'referrer_host')`,
      );
      expect(types.map((t) => String(t.data_type).startsWith('ENUM'))).toEqual([true, true, true]);
      for (const list of [
        [{ column: 'device_type', op: 'eq', values: ['smart fridge'] }],
        [{ column: 'country', op: 'in', values: ['XX', 'YY'] }],
        [{ column: 'page_path', op: 'contains', values: ['no such page'] }],
      ] as ColumnFilter[][]) {
        const spec = demo({ filters: list });
        const raw = await runOverview(store, spec);
        expect(raw.kpis.events).toBe(0);
        expect(await runOverviewOnce(store, spec, CUBE_SOURCE)).toEqual(raw);
      }
    });
  }

  it('says which filters it cannot answer', () => {
    expect(cubeCannotAnswer({ filters: [{ column: 'device_type', op: 'eq', values: ['mobile'] }] })).toBeNull();
    expect(cubeCannotAnswer({ filters: [{ column: 'os', op: 'eq', values: ['iOS'] }] })).toMatch(/os/);
    expect(cubeCannotAnswer({ filters: [{ column: 'session_id', op: 'empty', values: [] }] })).toMatch(/session_id/);
  });
});
