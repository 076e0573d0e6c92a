import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { ev, loadRows, track } from '../testing/event-rows';
import { parseCustomerValueSpec, runCustomerValue, type CustomerValueResult } from './customer-value';

let store: EventStore;

const online = (user: string, at: string, revenue: number, orderId: string) => track(user, 'Order Completed', at, { revenue, order_id: orderId });
const offline = (user: string, at: string, revenue: number, orderId: string) => track(user, 'Order Completed', at, { revenue, order_id: orderId, properties: { source: 'import' } });

beforeAll(async () => {
  store = await openWasmStore();
  await loadRows(store, [
    // a: online before and in the window, and once in a store
    online('a', '2024-02-10T10:00:00Z', 20, 'a1'),
    track('a', 'page', '2024-03-01T10:00:00Z'),
    online('a', '2024-03-05T10:00:00Z', 30, 'a2'),
    online('a', '2024-03-20T10:00:00Z', 50, 'a3'),
    offline('a', '2024-03-25T10:00:00Z', 100, 's1'),
    // b: first order in the window (sent twice: one order), another after asOf
    online('b', '2024-03-10T10:00:00Z', 40, 'b1'),
    online('b', '2024-03-10T10:00:05Z', 40, 'b1'),
    online('b', '2024-04-02T10:00:00Z', 999, 'b2'),
    // c: a visitor; d: seen before the window only
    track('c', 'page', '2024-03-15T10:00:00Z'),
    track('d', 'page', '2024-01-05T10:00:00Z'),
    // e: two store orders; f: a store order last year, a member registration in the window
    offline('e', '2024-03-02T10:00:00Z', 60, 's2'),
    offline('e', '2024-03-28T10:00:00Z', 80, 's3'),
    offline('f', '2023-12-01T10:00:00Z', 10, 's4'),
    ev({ at: '2024-03-03T10:00:00Z', type: 'identify', event: 'identify', user_id: 'f', properties: { source: 'import', tier: 'gold' } }),
  ]);
});
afterAll(async () => store?.close());

const run = (origin: 'all' | 'online' | 'offline') => runCustomerValue(store, { asOf: '2024-03-31', from: '2024-03-01', to: '2024-03-31', origin });
const measures = ({ basis: _basis, ...result }: CustomerValueResult & { basis: unknown }) => result;

describe('customer value', () => {
  it('online only: CLV, repurchase and first-purchase rates and lifecycle over live rows', async () => {
    expect(measures(await run('online'))).toEqual({
      asOf: '2024-03-31',
      origin: 'online',
      window: { from: '2024-03-01T00:00:00.000Z', to: '2024-03-31T23:59:59.999Z' },
      persons: 3, // a, b, c
      customers: 2,
      orders: 3,
      revenue: 120,
      aov: 40,
      purchaseFrequency: 1.5,
      historicalClv: 60,
      repeatCustomers: 1,
      repurchaseRate: 0.5,
      expectedLifespanWindows: 2,
      predictiveClv: 120,
      firstTimeBuyers: 1, // b; a first bought in February
      firstPurchaseRate: 1 / 3,
      lifecycle: [
        { stage: 'new', persons: 0 },
        { stage: 'active', persons: 3 },
        { stage: 'returning', persons: 0 },
        { stage: 'dormant', persons: 1 },
        { stage: 'churned', persons: 0 },
      ],
    });
  });

  it('offline only: imported rows alone', async () => {
    const result = measures(await run('offline'));
    expect(result).toMatchObject({ persons: 3, customers: 2, orders: 3, revenue: 240, aov: 80, historicalClv: 120, repeatCustomers: 1, repurchaseRate: 0.5, predictiveClv: 240, firstTimeBuyers: 2, firstPurchaseRate: 2 / 3 });
    // a's first imported row is a store order 6 days before the end: new; f came back after a gap: returning
    expect(result.lifecycle.filter((s) => s.persons > 0)).toEqual([
      { stage: 'new', persons: 1 },
      { stage: 'active', persons: 1 },
      { stage: 'returning', persons: 1 },
    ]);
  });

  it('online and offline: one person across both', async () => {
    const result = measures(await run('all'));
    expect(result).toMatchObject({ persons: 5, customers: 3, orders: 6, revenue: 360, aov: 60, purchaseFrequency: 2, historicalClv: 120, repeatCustomers: 2, repurchaseRate: 2 / 3, firstTimeBuyers: 2, firstPurchaseRate: 0.4 });
    expect(result.expectedLifespanWindows).toBeCloseTo(3, 12);
    expect(result.predictiveClv).toBeCloseTo(360, 9);
    expect(result.lifecycle.filter((s) => s.persons > 0)).toEqual([
      { stage: 'active', persons: 4 },
      { stage: 'returning', persons: 1 },
      { stage: 'dormant', persons: 1 },
    ]);
  });

  it('has no predictive CLV when every customer bought again, nor ratios without customers', async () => {
    const allRepeat = measures(await runCustomerValue(store, { asOf: '2024-03-31', from: '2024-03-26', origin: 'offline' }));
    expect(allRepeat).toMatchObject({ customers: 1, repeatCustomers: 0, repurchaseRate: 0, expectedLifespanWindows: 1, predictiveClv: 80 });
    const empty = measures(await runCustomerValue(store, { asOf: '2024-03-31', from: '2024-03-29', origin: 'offline' }));
    expect(empty).toMatchObject({ persons: 0, customers: 0, aov: null, historicalClv: null, repurchaseRate: null, predictiveClv: null, firstPurchaseRate: null });
    // a bought online on the 20th and in a store on the 25th: every customer of the window bought again
    const everyone = measures(await runCustomerValue(store, { asOf: '2024-03-31', from: '2024-03-20', to: '2024-03-25' }));
    expect(everyone).toMatchObject({ customers: 1, orders: 2, historicalClv: 150, repurchaseRate: 1, expectedLifespanWindows: null, predictiveClv: null });
    expect(() => parseCustomerValueSpec({ origin: 'store' })).toThrow(/spec\.origin/);
  });
});
