import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { loadRows, track } from '@privacy-analytics/core/testing';
import { interactionOptionsSchema, loadInteractions, UNKNOWN_CATEGORY, type InteractionData } from './interactions';
import { allPairs, leaveLastOut } from './leave-last-out';

let store: EventStore;
let data: InteractionData;

beforeAll(async () => {
  store = await openWasmStore();
  await loadRows(store, [
    track('alice', 'Product Viewed', '2024-01-01T10:00:00Z', { product_id: 'p-b', category: 'books' }),
    track('alice', 'Product Viewed', '2024-01-01T10:01:00Z', { product_id: 'p-a', category: 'beauty' }),
    track('alice', 'Product Added', '2024-01-01T10:02:00Z', { product_id: 'p-a', category: 'beauty' }),
    track('alice', 'Order Completed', '2024-01-01T10:05:00Z', {
      order_id: 'o1',
      properties: { products: [{ product_id: 'p-a', name: 'A "quoted" name', category: 'beauty' }, { product_id: 'p-c', price: 3 }], total: 10 },
    }),
    track('alice', 'Product Viewed', '2024-01-02T09:00:00Z', { product_id: 'p-d', category: 'toys' }),
    track('bob', 'Product Viewed', '2024-01-03T09:00:00Z', { product_id: 'p-a', category: 'beauty' }),
    track('bob', 'Order Completed', '2024-01-03T09:10:00Z', { order_id: 'o2', properties: { products: [{ product_id: 12345 }] } }),
    track('carol', 'Searched', '2024-01-03T09:00:00Z', { properties: { query: 'x' } }),
  ]);
  data = await loadInteractions(store, interactionOptionsSchema.parse({}));
});
afterAll(() => store.close());

describe('implicit feedback from events', () => {
  it('lists products of views, carts and the products array of orders (string or number ids)', () => {
    expect(data.items).toEqual(['12345', 'p-a', 'p-b', 'p-c', 'p-d']);
    expect(data.persons).toEqual(['alice', 'bob']);
    expect(data.categories[0]).toBe(UNKNOWN_CATEGORY);
    expect(data.items.map((_, i) => data.categories[data.itemCategory[i]!])).toEqual([UNKNOWN_CATEGORY, 'beauty', 'books', UNKNOWN_CATEGORY, 'toys']);
  });

  it('weights each pair by its strongest kind and orders a person by first interaction', () => {
    const alice = data.byPerson[0]!.map((p) => ({ item: data.items[p.item], weight: p.weight, purchased: p.purchased }));
    expect(alice).toEqual([
      { item: 'p-b', weight: 1, purchased: false },
      { item: 'p-a', weight: 5, purchased: true },
      { item: 'p-c', weight: 5, purchased: true },
      { item: 'p-d', weight: 1, purchased: false },
    ]);
    expect(data.byPerson[1]!.map((p) => [data.items[p.item], p.purchased])).toEqual([
      ['p-a', false],
      ['12345', true],
    ]);
  });

  it('weights are configurable', async () => {
    const heavier = await loadInteractions(store, interactionOptionsSchema.parse({ weights: { view: 2, cart: 7, purchase: 9 } }));
    expect(heavier.byPerson[0]!.map((p) => p.weight)).toEqual([2, 9, 9, 2]);
  });

  it('leave-last-out: last item tests, second-to-last validates, the rest trains', () => {
    const split = leaveLastOut(data.byPerson);
    const id = (i: number) => data.items[i];
    expect(split.test.map((c) => [c.person, id(c.heldOut), c.history.map(id)])).toEqual([
      [0, 'p-d', ['p-b', 'p-a', 'p-c']],
      [1, '12345', ['p-a']],
    ]);
    expect(split.validation.map((c) => [c.person, id(c.heldOut), c.history.map(id)])).toEqual([[0, 'p-c', ['p-b', 'p-a']]]);
    expect(split.train.map((p) => [p.person, id(p.item)])).toEqual([
      [0, 'p-b'],
      [0, 'p-a'],
      [1, 'p-a'],
    ]);
    expect(allPairs(data.byPerson)).toHaveLength(6);
  });
});
