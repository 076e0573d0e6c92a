import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { ev, loadRows } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { buildPersonMap, identityStats } from './identity';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
});
afterAll(async () => store?.close());

describe('identity mapping', () => {
  it('joins ids transitively (not just one hop) and keys persons by user id', async () => {
    await loadRows(store, [
      ev({ at: '2024-01-01T00:00:00Z', anonymous_id: 'phone' }),
      ev({ at: '2024-01-01T00:01:00Z', type: 'identify', event: 'identify', anonymous_id: 'phone', user_id: 'alice' }),
      ev({ at: '2024-01-02T00:00:00Z', anonymous_id: 'laptop' }),
      ev({ at: '2024-01-02T00:01:00Z', anonymous_id: 'laptop', user_id: 'alice' }),
      ev({ at: '2024-01-03T00:00:00Z', anonymous_id: 'tablet' }),
      ev({ at: '2024-01-03T00:01:00Z', type: 'alias', event: 'alias', previous_id: 'tablet', user_id: 'alice-new', anonymous_id: 'tablet' }),
      ev({ at: '2024-01-03T00:02:00Z', type: 'alias', event: 'alias', previous_id: 'alice', user_id: 'alice-new' }),
      ev({ at: '2024-01-04T00:00:00Z', anonymous_id: 'stranger' }),
      ev({ at: '2024-01-04T00:00:00Z', anonymous_id: 'a-chain-1' }),
      ev({ at: '2024-01-04T00:01:00Z', type: 'alias', event: 'alias', previous_id: 'a-chain-1', anonymous_id: 'a-chain-2' }),
    ]);
    const map = await store.query<{ id: string; person_id: string }>('SELECT id, person_id FROM person_map ORDER BY id');
    expect(Object.fromEntries(map.map((r) => [r.id, r.person_id]))).toEqual({
      'a-chain-1': 'a-chain-1',
      'a-chain-2': 'a-chain-1',
      alice: 'alice',
      'alice-new': 'alice',
      laptop: 'alice',
      phone: 'alice',
      stranger: 'stranger',
      tablet: 'alice',
    });
    expect(await identityStats(store)).toEqual({ anonymousIds: 6, linkedAnonymousIds: 3, linkRate: 0.5, userIds: 2, persons: 3 });
  });

  it('converges on a long chain of links', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ev({ at: '2024-01-01T00:00:00Z', type: 'alias', event: 'alias', previous_id: `id${i}`, anonymous_id: `id${i + 1}` }));
    await loadRows(store, rows);
    const stats = await buildPersonMap(store);
    expect(stats.persons).toBe(1);
    expect(stats.iterations).toBeLessThan(10);
  });
});
