import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { loadRows, track } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { RFM_TIERS, runRfm } from './rfm';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
});
afterAll(async () => store?.close());

const order = (user: string, at: string, revenue: number, orderId: string) => track(user, 'Order Completed', at, { revenue, order_id: orderId });

describe('rfm', () => {
  it('computes recency in whole UTC days, distinct orders and revenue, quintile scores and tiers', async () => {
    await loadRows(store, [
      // five buyers with increasing value
      order('a', '2024-01-30T23:00:00Z', 10, 'a1'),
      order('b', '2024-01-20T10:00:00Z', 20, 'b1'),
      order('b', '2024-01-21T10:00:00Z', 20, 'b2'),
      order('c', '2024-01-10T10:00:00Z', 30, 'c1'),
      order('c', '2024-01-11T10:00:00Z', 30, 'c2'),
      order('c', '2024-01-11T10:00:01Z', 30, 'c2'), // duplicate of order c2
      order('c', '2024-01-12T10:00:00Z', 30, 'c3'),
      order('d', '2023-12-01T10:00:00Z', 40, 'd1'),
      order('d', '2023-12-02T10:00:00Z', 40, 'd2'),
      order('d', '2023-12-03T10:00:00Z', 40, 'd3'),
      order('d', '2023-12-04T10:00:00Z', 40, 'd4'),
      order('e', '2024-01-31T01:00:00Z', 100, 'e1'),
      order('e', '2024-01-31T02:00:00Z', 100, 'e2'),
      order('e', '2024-01-31T03:00:00Z', 100, 'e3'),
      order('e', '2024-01-31T04:00:00Z', 100, 'e4'),
      order('e', '2024-01-31T05:00:00Z', 100, 'e5'),
      track('f', 'Page Viewed', '2024-01-31T05:00:00Z'),
    ]);
    const result = await runRfm(store, { order: { event: 'Order Completed' }, revenueProperty: 'revenue', asOf: '2024-01-31' });
    expect(result.persons).toEqual([
      { person: 'e', recencyDays: 0, frequency: 5, monetary: 500, r: 5, f: 5, m: 5, tier: 'champions' },
      { person: 'd', recencyDays: 58, frequency: 4, monetary: 160, r: 1, f: 4, m: 4, tier: 'at_risk' },
      { person: 'c', recencyDays: 19, frequency: 3, monetary: 90, r: 2, f: 3, m: 3, tier: 'at_risk' },
      { person: 'b', recencyDays: 10, frequency: 2, monetary: 40, r: 3, f: 2, m: 2, tier: 'potential' },
      { person: 'a', recencyDays: 1, frequency: 1, monetary: 10, r: 4, f: 1, m: 1, tier: 'new' },
    ]);
    expect(result.tiers.find((t) => t.tier === 'champions')).toEqual({ tier: 'champions', persons: 1, revenueShare: 500 / 800 });
    expect(result.tiers.map((t) => t.tier)).toEqual(RFM_TIERS.map((t) => t.tier));
  });

  it('gives tied values the same score and ignores orders after asOf', async () => {
    await loadRows(store, [
      order('a', '2024-01-01T00:00:00Z', 10, 'a1'),
      order('b', '2024-01-01T00:00:00Z', 10, 'b1'),
      order('c', '2024-01-02T00:00:00Z', 10, 'c1'),
    ]);
    const result = await runRfm(store, { asOf: '2024-01-01' });
    expect(result.persons.map((p) => [p.person, p.r, p.f, p.m, p.tier])).toEqual([
      ['a', 1, 1, 1, 'lost'],
      ['b', 1, 1, 1, 'lost'],
    ]);
    const byProperty = await runRfm(store, { revenueProperty: 'properties.amount' });
    expect(byProperty.persons.map((p) => p.monetary)).toEqual([0, 0, 0]);
  });
});
