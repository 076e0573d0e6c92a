import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { demoRows, loadRows, track } from '../testing/event-rows';
import type { EventRow } from '../schema';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { basketRules, fetchBaskets, MAX_ITEMSET_LENGTH, parseBasketSpec, productItems, runBasket, type BasketSpecInput } from './basket';
import { MAX_FREQUENT_ITEMSETS, MiningLimitError } from './fp-growth';
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

describe.each(['wasm', 'native'] as const)('rules of up to 10 items on %s', (engine) => {
  let demo: EventRow[] | undefined;

  it('mines the demo data at maxLength 10 and low support as at its largest basket', async () => {
    const store = stores[engine];
    await loadRows(store, (demo ??= await demoRows()));
    const spec = parseBasketSpec({ minSupport: 0.01, maxLength: 10 });
    const largest = Math.max(...(await fetchBaskets(store, spec)).map((basket) => basket.length));
    expect(largest).toBeLessThan(10);
    const result = await runBasket(store, spec);
    // Every basket's every subset is frequent at this support, so rules reach the largest basket's size.
    expect(result.minCount).toBe(1);
    expect(result.rules.reduce((longest, r) => Math.max(longest, r.antecedent.length + r.consequent.length), 0)).toBe(largest);
    expect(result).toEqual(await runBasket(store, { ...spec, maxLength: largest }));
  });

  it('fails with what to change, not out of memory, when a few huge baskets make every subset frequent', async () => {
    const store = stores[engine];
    const huge = Array.from({ length: 40 }, (_, i) => p(`b${String(i).padStart(2, '0')}`));
    await loadRows(store, [
      ...Array.from({ length: 197 }, (_, i) => order(`u${i}`, `o${i}`, '2024-01-01T10:00:00Z', [p(`p${i % 20}`)])),
      ...[0, 1, 2].map((i) => order(`w${i}`, `w${i}`, '2024-01-02T10:00:00Z', huge)),
    ]);
    // At 3 of 200 baskets every subset of the 40 items is frequent: about 1.2 billion up to 10 items.
    const spec: BasketSpecInput = { minSupport: 0.015, maxLength: 10 };
    const error = await runBasket(store, spec).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).cause).toBeInstanceOf(MiningLimitError);
    // 20 + 40 single items, 780 pairs and 9,880 triples fit; with 91,390 quadruples they do not.
    expect((error as SpecError).message).toBe(
      `spec: minSupport 0.015 (3 of 200 baskets) with maxLength 10 finds more than ${MAX_FREQUENT_ITEMSETS.toLocaleString('en-US')} frequent itemsets, the most one run mines; ` +
        'raise minSupport to 0.02 or more (itemsets in at least 4 baskets), lower maxLength to 3, or narrow the date range (from, to) to fewer baskets',
    );
    expect(await runBasket(store, { ...spec, minSupport: 0.02 })).toMatchObject({ minCount: 4, frequentItemsets: 20, totalRules: 0 });
    expect(await runBasket(store, { ...spec, maxLength: 3 })).toMatchObject({ minCount: 3, frequentItemsets: 20 + 40 + 780 + 9880, totalRules: 780 * 2 + 9880 * 6 });
  });
});

describe('mining bounds in spec terms', () => {
  const nested = (n: number) => Array.from({ length: n }, (_, i) => `x${String(i).padStart(2, '0')}`);
  const baskets = [nested(12), nested(12), nested(9), nested(9), nested(9), ...Array.from({ length: 95 }, (_, i) => [`n${i % 7}`])];

  it('names the minSupport and maxLength that keep the rule splits under the bound', () => {
    // 3^12 - 2^13 + 1 splits of x00..x11 up to 12 items, less its 12 subsets of 11 and itself: 494,604.
    expect(() => basketRules(baskets, parseBasketSpec({ minSupport: 0.02, maxLength: 10 }), { maxRuleCandidates: 20_000 })).toThrow(
      'spec: minSupport 0.02 (2 of 100 baskets) with maxLength 10 gives 494,604 candidate rules (2^k - 2 splits of each k-item frequent itemset), more than the 20,000 one run considers; ' +
        'raise minSupport to 0.03 or more (itemsets in at least 3 baskets), lower maxLength to 4, or narrow the date range (from, to) to fewer baskets',
    );
    expect(basketRules(baskets, parseBasketSpec({ minSupport: 0.03, maxLength: 10 }), { maxRuleCandidates: 20_000 }).frequentItemsets).toBe(511 + 7);
  });

  it('suggests the shortest minSupport that reaches the support count', () => {
    // A count of 4 of 7 baskets needs minSupport above 3/7 = 0.43 and at most 4/7 = 0.57.
    const seven = [nested(12), nested(12), nested(12), ['a'], ['b'], ['c'], ['d']];
    expect(() => basketRules(seven, parseBasketSpec({ minSupport: 0.2, maxLength: 10 }), { maxItemsets: 1000 })).toThrow('raise minSupport to 0.5 or more (itemsets in at least 4 baskets)');
    expect(basketRules(seven, parseBasketSpec({ minSupport: 0.5, maxLength: 10 }), { maxItemsets: 1000 })).toMatchObject({ minCount: 4, frequentItemsets: 0 });
  });

  it('suggests no minSupport when even every basket is too few', () => {
    const same = [nested(12), nested(12)];
    expect(() => basketRules(same, parseBasketSpec({ minSupport: 1, maxLength: 10 }), { maxItemsets: 100 })).toThrow(
      'spec: minSupport 1 (2 of 2 baskets) with maxLength 10 finds more than 100 frequent itemsets, the most one run mines; lower maxLength to 2, or narrow the date range (from, to) to fewer baskets',
    );
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
    expect(parseBasketSpec({ minSupport: 0.1, maxLength: 10 }).maxLength).toBe(10);
    expect(MAX_ITEMSET_LENGTH).toBe(10);
    expect(() => parseBasketSpec({ minSupport: 0.1, maxLength: 11 })).toThrow(/spec.maxLength: .*10.*got 11/);
    expect(() => parseBasketSpec({ minSupport: 0.1, maxLength: 1 })).toThrow(/spec.maxLength: .*got 1/);
    expect(() => parseBasketSpec({ minSupport: 0.1, basket: 'cart' })).toThrow(/spec.basket: expected one of order_id, person; got "cart"/);
  });
});
