import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { loadRows, track } from '../testing/event-rows';
import { runAttribution } from './attribution';
import { readImportedSpend } from './imported-spend';
import { runRfm } from './rfm';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
});
afterAll(async () => store?.close());

const online = (user: string, at: string, revenue: number, id: string) => track(user, 'Order Completed', at, { revenue, order_id: id, session_id: `${user}-web`, properties: { revenue } });
const offline = (user: string, at: string, revenue: number, id: string) =>
  track(user, 'Order Completed', at, { revenue, order_id: id, library: 'import', properties: { revenue, source: 'import', store: 'store-7' } });
const visit = (user: string, at: string, source: string) => track(user, 'Page Viewed', at, { utm_source: source, session_id: `${user}-web` });

const ROWS = [
  visit('a', '2024-01-02T10:00:00Z', 'google'),
  online('a', '2024-01-02T10:05:00Z', 100, 'w1'),
  offline('a', '2024-01-05T12:00:00Z', 40, 's1'),
  visit('b', '2024-01-03T09:00:00Z', 'meta'),
  online('b', '2024-01-03T09:10:00Z', 50, 'w2'),
  offline('c', '2024-01-06T15:00:00Z', 70, 's2'),
  offline('c', '2024-01-08T15:00:00Z', 30, 's3'),
];

describe('online and offline orders', () => {
  it('RFM counts all orders, online only or offline only, as a filter on properties.source = "import" does', async () => {
    await loadRows(store, ROWS);
    const monetary = async (origin: 'all' | 'online' | 'offline') =>
      Object.fromEntries((await runRfm(store, { asOf: '2024-01-10', origin })).persons.map((p) => [p.person, [p.frequency, p.monetary]]));
    expect(await monetary('all')).toEqual({ a: [2, 140], b: [1, 50], c: [2, 100] });
    expect(await monetary('online')).toEqual({ a: [1, 100], b: [1, 50] });
    expect(await monetary('offline')).toEqual({ a: [1, 40], c: [2, 100] });
    const native = await store.query<{ person: string; revenue: number }>(
      `SELECT user_id AS person, sum(revenue)::DOUBLE AS revenue FROM events WHERE event = 'Order Completed' AND properties LIKE '%"source":"import"%' GROUP BY 1 ORDER BY 1`,
    );
    expect(native.map((r) => [r.person, Number(r.revenue)])).toEqual([
      ['a', 40],
      ['c', 100],
    ]);
  });

  it('attribution reads spend from the ad_spend table: CTR, CPC, CPA and ROAS per channel; imported orders are the "offline" channel', async () => {
    await loadRows(store, ROWS);
    await store.query('DROP TABLE IF EXISTS ad_spend');
    await store.query(
      `CREATE TABLE ad_spend AS SELECT * FROM (VALUES
        ('2024-01-02', 'google', 'winter', NULL, 1000.0, 40.0, 80.0, 'USD', 3.0, 'imp1'),
        ('2024-01-03', 'google', 'winter', NULL, 500.0, 10.0, 20.0, 'USD', 1.0, 'imp1'),
        ('2024-01-03', 'meta', 'winter', NULL, 2000.0, 20.0, 25.0, 'USD', 0.0, 'imp1'),
        ('2023-12-31', 'meta', 'winter', NULL, 100.0, 1.0, 999.0, 'USD', 0.0, 'imp1')
      ) t(date, platform, campaign, ad_group, impressions, clicks, spend, currency, conversions, import_id)`,
    );
    const spend = await readImportedSpend(store, 'platform', { fromMs: Date.UTC(2024, 0, 1), toMs: Date.UTC(2024, 1, 1) });
    expect(spend!.reach.get('google')).toEqual({ impressions: 1500, clicks: 50, platformConversions: 4 });
    const result = await runAttribution(store, { models: ['last'], touch: { property: 'utm_source' }, from: '2024-01-01', to: '2024-01-31' }, { importedSpend: spend });
    const byChannel = Object.fromEntries(result.channels.map((c) => [c.channel, c]));
    expect(byChannel.google).toMatchObject({ spend: 100, impressions: 1500, clicks: 50, ctr: 50 / 1500, cpc: 2, revenue: { last: 100 }, cpa: { last: 100 }, roas: { last: 1 } });
    expect(byChannel.meta).toMatchObject({ spend: 25, ctr: 0.01, cpc: 1.25, roas: { last: 2 } });
    expect(byChannel.offline).toMatchObject({ conversions: { last: 3 }, revenue: { last: 140 } });
    expect(byChannel.offline!.spend).toBe(0);
    expect(result.spend).toMatchObject({ total: 125, source: 'imported', by: 'platform' });
    const [native] = await store.query<{ cpc: number }>(`SELECT sum(spend) / sum(clicks) AS cpc FROM ad_spend WHERE platform = 'google' AND date >= '2024-01-01'`);
    expect(byChannel.google!.cpc).toBe(Number(native!.cpc));
  });

  it('no ad_spend table or an empty one: no imported spend', async () => {
    await store.query('DROP TABLE IF EXISTS ad_spend');
    expect(await readImportedSpend(store, 'platform', { fromMs: null, toMs: null })).toBeNull();
  });
});
