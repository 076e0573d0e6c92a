import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { loadRows, track } from '../testing/event-rows';
import { parseAttributionSpec, runAttribution, type AttributionResult, type AttributionSpecInput } from './attribution';
import { costPerNewCustomer, markovPathCredits } from './new-customers';
import { SpecError } from './spec';

const stores: Record<'wasm' | 'native', EventStore> = {} as never;
beforeAll(async () => {
  stores.wasm = await openWasmStore();
  stores.native = await openNativeStore({ threads: 1 });
});
afterAll(async () => Promise.all([stores.wasm?.close(), stores.native?.close()]));

const visit = (user: string, at: string, source: string, session: string) => track(user, 'Page Viewed', at, { utm_source: source, session_id: session });
const online = (user: string, at: string, revenue: number, session: string) => track(user, 'Order Completed', at, { revenue, session_id: session, properties: { revenue } });
const offline = (user: string, at: string, revenue: number, store: string) =>
  track(user, 'Order Completed', at, { revenue, library: 'import', properties: { revenue, source: 'import', store } });

/**
 * Range March 2024, follow-up window 30 days, data end 2024-04-15 (z's visit).
 *   a  first order 2024-02-10 (before the range): its March order is no new customer
 *   b  google, meta, order 50 on 03-03 (new), order 30 on 03-20 (repeat, no touch after the first): 80, mature
 *   c  store-7 order 70 on 03-10 (new), store-7 order 30 on 04-12 (33 days later, outside the window): 70, mature
 *   d  meta, order 40 on 03-25 (new): window ends 04-24, after the data end: immature
 *   e  store-9 order 25 on 03-12 (new), google, order 60 on 03-14 (repeat): 85, mature
 */
const ROWS = [
  online('a', '2024-02-10T10:00:00Z', 20, 'a0'),
  visit('a', '2024-03-05T10:00:00Z', 'google', 'a1'),
  online('a', '2024-03-05T10:05:00Z', 100, 'a1'),
  visit('b', '2024-03-02T09:00:00Z', 'google', 'b1'),
  visit('b', '2024-03-03T09:00:00Z', 'meta', 'b2'),
  online('b', '2024-03-03T09:10:00Z', 50, 'b2'),
  online('b', '2024-03-20T12:00:00Z', 30, 'b2'),
  offline('c', '2024-03-10T15:00:00Z', 70, 'store-7'),
  offline('c', '2024-04-12T15:00:00Z', 30, 'store-7'),
  visit('d', '2024-03-25T08:00:00Z', 'meta', 'd1'),
  online('d', '2024-03-25T08:05:00Z', 40, 'd1'),
  offline('e', '2024-03-12T11:00:00Z', 25, 'store-9'),
  visit('e', '2024-03-14T10:00:00Z', 'google', 'e1'),
  online('e', '2024-03-14T10:05:00Z', 60, 'e1'),
  visit('z', '2024-04-15T00:00:00Z', 'google', 'z1'),
];

const SPEC: AttributionSpecInput = {
  models: ['first', 'last', 'linear', 'markov'],
  touch: { property: 'utm_source' },
  from: '2024-03-01',
  to: '2024-03-31',
  newCustomerWindow: { value: 30, unit: 'day' },
};
const SPEND = 'date,channel,spend\n2024-03-01,google,40\n2024-03-01,meta,30\n';
const byChannel = (result: AttributionResult) => Object.fromEntries(result.channels.map((c) => [c.channel, c]));

describe.each(['wasm', 'native'] as const)('new customers in attribution on %s', (engine) => {
  it('credits first orders ever per model, with cost per new customer and quality over mature new customers', async () => {
    await loadRows(stores[engine], ROWS);
    const result = await runAttribution(stores[engine], SPEC, { spendCsv: SPEND, spendLabel: 'spend.csv' });
    expect(result.totals.conversions).toBe(7);
    expect(result.newCustomers).toEqual({
      windowMs: 30 * 86_400_000,
      dataEnd: '2024-04-15T00:00:00.000Z',
      total: 4,
      attributed: 4,
      unattributed: 0,
      quality: { mature: 3, immature: 1, repeatShare: 2 / 3, revenuePerCustomer: (80 + 70 + 85) / 3 },
    });
    const { google, meta, offline: store } = byChannel(result);
    // linear: b's [google, meta] gives each 0.5; d is meta's; c and e are offline's.
    expect(google!.newCustomers).toMatchObject({ first: 1, last: 0, linear: 0.5 });
    expect(meta!.newCustomers).toMatchObject({ first: 1, last: 2, linear: 1.5 });
    expect(store!.newCustomers).toMatchObject({ first: 2, last: 2, linear: 2, markov: 2 });
    expect(google!.newCustomerQuality.linear).toEqual({ mature: 0.5, immature: 0, repeatShare: 1, revenuePerCustomer: 80 });
    expect(meta!.newCustomerQuality.linear).toEqual({ mature: 0.5, immature: 1, repeatShare: 1, revenuePerCustomer: 80 });
    expect(meta!.newCustomerQuality.first).toEqual({ mature: 0, immature: 1, repeatShare: null, revenuePerCustomer: null });
    expect(store!.newCustomerQuality.linear).toEqual({ mature: 2, immature: 0, repeatShare: 0.5, revenuePerCustomer: 77.5 });
    expect(google!.newCustomerQuality.last).toEqual({ mature: 0, immature: 0, repeatShare: null, revenuePerCustomer: null });
    // cost per new customer = spend / credited new customers; null without new customers or spend
    expect(google!.costPerNewCustomer).toMatchObject({ first: 40, last: null, linear: 80 });
    expect(meta!.costPerNewCustomer).toMatchObject({ first: 30, last: 15, linear: 20 });
    expect(store!.costPerNewCustomer).toMatchObject({ first: null, linear: null });
    // Markov (journeys [google] x2, [google, meta], [meta], [offline] x2, none non-converting): removal effects
    // google 1/2, meta 1/3, offline 1/3; b's path splits 0.6 / 0.4.
    expect(result.markov!.removalEffects.google).toBeCloseTo(0.5, 12);
    expect(result.markov!.removalEffects.meta).toBeCloseTo(1 / 3, 12);
    expect(google!.newCustomers.markov).toBeCloseTo(0.6, 12);
    expect(meta!.newCustomers.markov).toBeCloseTo(1.4, 12);
    expect(google!.costPerNewCustomer!.markov).toBeCloseTo(40 / 0.6, 10);
  });

  it('splits imported touches per store when asked; the default window of 90 days leaves every new customer immature', async () => {
    await loadRows(stores[engine], ROWS);
    const perStore = byChannel(await runAttribution(stores[engine], { ...SPEC, offlineTouch: 'store' }));
    expect(perStore.offline).toBeUndefined();
    expect(perStore['offline:store-7']).toMatchObject({ touchpoints: 1, conversions: { last: 1 }, revenue: { last: 70 }, newCustomers: { last: 1 } });
    expect(perStore['offline:store-7']!.newCustomerQuality.last).toEqual({ mature: 1, immature: 0, repeatShare: 0, revenuePerCustomer: 70 });
    expect(perStore['offline:store-9']!.newCustomerQuality.last).toEqual({ mature: 1, immature: 0, repeatShare: 1, revenuePerCustomer: 85 });
    expect(perStore.google!.newCustomers.first).toBe(1);

    const { newCustomerWindow: _window, ...defaults } = SPEC;
    const long = await runAttribution(stores[engine], defaults);
    expect(long.newCustomers.windowMs).toBe(90 * 86_400_000);
    expect(long.newCustomers.quality).toEqual({ mature: 0, immature: 4, repeatShare: null, revenuePerCustomer: null });
    expect(byChannel(long).offline!.newCustomerQuality.linear).toEqual({ mature: 0, immature: 2, repeatShare: null, revenuePerCustomer: null });
  });
});

describe('new-customer helpers and spec', () => {
  it('splits a path over its distinct channels by removal effect, equally when all are 0', () => {
    expect(Object.fromEntries(markovPathCredits(['a', 'b', 'a'], { a: 0.375, b: 0.125 }))).toEqual({ a: 0.75, b: 0.25 });
    expect(Object.fromEntries(markovPathCredits(['a', 'b'], {}))).toEqual({ a: 0.5, b: 0.5 });
    expect(costPerNewCustomer(0, 3)).toBeNull();
    expect(costPerNewCustomer(30, 0)).toBeNull();
    expect(costPerNewCustomer(30, 1.5)).toBe(20);
  });

  it('rejects a bad follow-up window and an unknown offline-touch mode with the path', () => {
    expect(() => parseAttributionSpec({ newCustomerWindow: { value: 0, unit: 'day' } })).toThrow(SpecError);
    expect(() => parseAttributionSpec({ offlineTouch: 'shop' })).toThrow(/spec.offlineTouch: expected one of offline, store; got "shop"/);
    expect(parseAttributionSpec({}).newCustomerWindow).toEqual({ value: 90, unit: 'day' });
  });
});
