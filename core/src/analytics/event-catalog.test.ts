import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { ev, loadRows, track } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { readEventCatalog } from './event-catalog';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
});
afterAll(async () => store?.close());

describe('event catalog', () => {
  it('lists events by count and the JSON property keys beside the schema columns', async () => {
    await loadRows(store, [
      track('u1', 'Order Completed', '2024-01-01T00:00:00Z', { properties: '{"plan":"pro","coupon":"X"}' }),
      track('u1', 'Order Completed', '2024-01-02T00:00:00Z', { properties: '{"plan":"free"}' }),
      track('u2', 'Signed Up', '2024-01-02T00:00:00Z', { properties: '{"text":"a \\"quoted\\": b"}' }),
      ev({ type: 'page', event: 'page', at: '2024-01-03T00:00:00Z', anonymous_id: 'a1' }),
    ]);
    const catalog = await readEventCatalog(store);
    expect(catalog.events).toEqual([
      { event: 'Order Completed', count: 2 },
      { event: 'Signed Up', count: 1 },
      { event: 'page', count: 1 },
    ]);
    const json = catalog.properties.filter((p) => p.source === 'json').map((p) => p.name);
    expect(json).toEqual(['properties.plan', 'properties.coupon', 'properties.text']);
    const columns = catalog.properties.filter((p) => p.source === 'column');
    expect(columns.find((p) => p.name === 'country')).toEqual({ name: 'country', kind: 'string', source: 'column' });
    expect(columns.find((p) => p.name === 'revenue')?.kind).toBe('number');
    expect(columns.some((p) => p.name === 'event_id' || p.name === 'properties')).toBe(false);
  });
});
