import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { loadRows, track } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { parseBasketSpec, productItems, runBasket, type BasketSpecInput } from './basket';
import { SpecError } from './spec';

const stores: Record<'wasm' | 'native', EventStore> = {} as never;
beforeAll(async () => {
  stores.wasm = await openWasmStore();
  stores.native = await openNativeStore({ threads: 1 });
});
afterAll(async () => Promise.all([stores.wasm?.close(), stores.native?.close()]));

const order = (user: string, orderId: string, at: string, products: unknown[], extra: Record<string, unknown> = {}) =>
  track(user, 'Order Completed', at, { order_id: orderId, properties: { products, ...extra } });
const p = (id: string, category = 'c') => ({ product_id: id, category, price: 1, quantity: 1 });

describe.each(['wasm', 'native'] as const)('basket rules on %s', (engine) => {
  it('reads Segment products arrays and single-product events into order baskets', async () => {
    const store = stores[engine];
    await loadRows(store, [
      order('u1', 'o1', '2024-01-01T10:00:00Z', [p('bread'), p('milk'), p('butter')]),
      order('u2', 'o2', '2024-01-01T11:00:00Z', [p('bread'), p('milk'), p('butter'), p('milk')]),
      order('u3', 'o3', '2024-01-01T12:00:00Z', [p('bread'), p('milk'), p('butter')]),
      order('u4', 'o4', '2024-01-02T10:00:00Z', [p('bread'), p('milk')]),
      order('u5', 'o5', '2024-01-02T10:00:00Z', [p('bread')]),
      order('u6', 'o6', '2024-01-02T11:00:00Z', [p('beer'), p('diapers')]),
      // A nested array that is not the top-level products array must be ignored.
      order('u7', 'o7', '2024-01-03T10:00:00Z', [p('beer'), p('diapers'), p('chips')], { meta: { products: [p('decoy')] } }),
      // Single-product events of one order join into one basket.
      track('u8', 'Product Purchased', '2024-01-03T11:00:00Z', { order_id: 'o8', product_id: 'beer' }),
      track('u8', 'Product Purchased', '2024-01-03T11:00:01Z', { order_id: 'o8', product_id: 'diapers' }),
      order('u9', 'o9', '2024-01-03T12:00:00Z', [p('milk')]),
      track('u10', 'Product Purchased', '2024-01-03T13:00:00Z', { order_id: null, product_id: 'chips' }),
      // Not a purchase event.
      track('u11', 'Product Viewed', '2024-01-03T13:00:00Z', { product_id: 'bread' }),
    ]);
    const result = await runBasket(store, {
      events: [{ event: 'Order Completed' }, { event: 'Product Purchased' }],
      minSupport: 0.3,
      minConfidence: 0.8,
      maxLength: 3,
      alsoBought: 'bread',
    });
    expect(result.baskets).toBe(10);
    expect(result.items).toBe(6);
    expect(result.minCount).toBe(3);
    // Hand count as in the textbook example of fp-growth.test.ts.
    expect(result.rules.map((r) => `${r.antecedent}=>${r.consequent} ${r.count}`)).toEqual([
      'beer=>diapers 3',
      'diapers=>beer 3',
      'butter=>bread,milk 3',
      'bread,butter=>milk 3',
      'butter=>bread 3',
      'butter=>milk 3',
      'butter,milk=>bread 3',
      'bread=>milk 4',
      'milk=>bread 4',
    ]);
    expect(result.rules[0]).toEqual({ antecedent: ['beer'], consequent: ['diapers'], support: 0.3, confidence: 1, lift: 1 / 0.3, leverage: 0.3 - 0.09, conviction: null, count: 3, antecedentCount: 3, consequentCount: 3 });
    expect(result.alsoBought).toEqual({
      item: 'bread',
      baskets: 5,
      items: [
        { item: 'milk', count: 4, confidence: 0.8, lift: 0.8 / 0.5 },
        { item: 'butter', count: 3, confidence: 0.6, lift: 0.6 / 0.3 },
      ],
    });
    const byCategory = await runBasket(store, { item: 'category', minSupport: 0.1 });
    expect(byCategory).toMatchObject({ baskets: 8, items: 1, rules: [] });
  });

  it('groups a person\'s purchases within the window into one basket', async () => {
    const store = stores[engine];
    await loadRows(store, [
      track('u1', 'Product Purchased', '2024-01-01T10:00:00Z', { product_id: 'a' }),
      track('u1', 'Product Purchased', '2024-01-02T10:00:00Z', { product_id: 'b' }),
      track('u1', 'Product Purchased', '2024-01-02T10:00:01Z', { product_id: 'c' }),
      track('u2', 'Product Purchased', '2024-01-01T10:00:00Z', { product_id: 'a' }),
      track('u2', 'Product Purchased', '2024-01-01T12:00:00Z', { product_id: 'b' }),
    ]);
    const spec: BasketSpecInput = { basket: 'person', events: [{ event: 'Product Purchased' }], minSupport: 0.01, minConfidence: 0, maxLength: 2 };
    // u1: {a, b} (b exactly one day later is inside), then {c}; u2: {a, b}.
    const result = await runBasket(store, spec);
    expect(result.baskets).toBe(3);
    expect(result.rules.find((r) => r.antecedent.join() === 'a')).toMatchObject({ consequent: ['b'], count: 2, confidence: 1 });
    const hourly = await runBasket(store, { ...spec, window: { value: 1, unit: 'hour' } });
    // {a}, {b, c}, {a}, {b}
    expect(hourly.baskets).toBe(4);
    expect(hourly.rules.map((r) => `${r.antecedent}=>${r.consequent} ${r.count}`)).toEqual(['c=>b 1', 'b=>c 1']);
  });
});

describe('basket spec and products', () => {
  it('reads product ids (and productId) from the top-level products array only', () => {
    expect(productItems(JSON.stringify({ products: [{ product_id: 'a' }, { productId: 'b' }, { product_id: 7 }, 'x', null, {}] }), 'product_id')).toEqual(['a', 'b', '7']);
    expect(productItems(JSON.stringify({ nested: { products: [{ product_id: 'a' }] } }), 'product_id')).toBeNull();
    expect(productItems('not json', 'product_id')).toBeNull();
  });

  it('rejects bad specs with the path and value', () => {
    expect(() => parseBasketSpec({ minSupport: 0 })).toThrow(SpecError);
    expect(() => parseBasketSpec({ minSupport: 0.1, maxLength: 9 })).toThrow(/spec.maxLength: .*got 9/);
    expect(() => parseBasketSpec({ minSupport: 0.1, basket: 'cart' })).toThrow(/spec.basket: expected one of order_id, person; got "cart"/);
  });
});
