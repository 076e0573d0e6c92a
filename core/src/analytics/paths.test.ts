import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { ev, loadRows, track } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { runPaths } from './paths';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
});
afterAll(async () => store?.close());

const page = (user: string, path: string, at: string, rest = {}) => ev({ at, type: 'page', event: 'page', user_id: user, page_path: path, ...rest });

describe('paths', () => {
  it('follows paths after a start event with repeats collapsed, as Sankey nodes and links with drop-off', async () => {
    await loadRows(store, [
      page('u1', '/', '2024-01-01T00:00:00Z'),
      page('u1', '/product', '2024-01-01T00:01:00Z'),
      page('u1', '/product', '2024-01-01T00:02:00Z'),
      track('u1', 'Product Added', '2024-01-01T00:03:00Z'),
      page('u2', '/', '2024-01-01T00:00:00Z'),
      ev({ at: '2024-01-01T00:00:30Z', type: 'identify', event: 'identify', user_id: 'u2' }),
      page('u2', '/product', '2024-01-01T00:01:00Z'),
      page('u3', '/', '2024-01-01T00:00:00Z'),
      page('u3', '/about', '2024-01-01T00:01:00Z'),
      page('u4', '/product', '2024-01-01T00:00:00Z'),
    ]);
    const result = await runPaths(store, { start: { event: 'page', where: [{ property: 'page_path', op: 'eq', value: '/' }] }, steps: 3 });
    expect(result.persons).toBe(3);
    expect(result.nodes).toEqual([
      { id: '0:/', step: 0, name: '/', persons: 3, dropOff: 0, dropOffRate: 0 },
      { id: '1:/product', step: 1, name: '/product', persons: 2, dropOff: 1, dropOffRate: 0.5 },
      { id: '1:/about', step: 1, name: '/about', persons: 1, dropOff: 1, dropOffRate: 1 },
      { id: '2:Product Added', step: 2, name: 'Product Added', persons: 1, dropOff: 0, dropOffRate: 0 },
    ]);
    expect(result.links).toEqual([
      { source: '0:/', target: '1:/product', persons: 2 },
      { source: '0:/', target: '1:/about', persons: 1 },
      { source: '1:/product', target: '2:Product Added', persons: 1 },
    ]);
    expect(result.topPaths).toEqual([
      { steps: ['/', '/about'], persons: 1, share: 1 / 3, dropped: true },
      { steps: ['/', '/product'], persons: 1, share: 1 / 3, dropped: true },
      { steps: ['/', '/product', 'Product Added'], persons: 1, share: 1 / 3, dropped: false },
    ]);
  });

  it('finds paths before an end event', async () => {
    await loadRows(store, [
      page('u1', '/', '2024-01-01T00:00:00Z'),
      page('u1', '/cart', '2024-01-01T00:01:00Z'),
      track('u1', 'Order Completed', '2024-01-01T00:02:00Z'),
      page('u2', '/cart', '2024-01-01T00:01:00Z'),
      track('u2', 'Order Completed', '2024-01-01T00:02:00Z'),
    ]);
    const result = await runPaths(store, { end: { event: 'Order Completed' }, steps: 3 });
    expect(result.nodes.map((n) => [n.id, n.persons, n.dropOff])).toEqual([
      ['-2:/', 1, 0],
      ['-1:/cart', 2, 1],
      ['0:Order Completed', 2, 0],
    ]);
    expect(result.topPaths).toEqual([
      { steps: ['/', '/cart', 'Order Completed'], persons: 1, share: 0.5, dropped: false },
      { steps: ['/cart', 'Order Completed'], persons: 1, share: 0.5, dropped: true },
    ]);
  });

  it('ranks whole paths by persons, keeps the first 20 and leaves out those under minPersons', async () => {
    const rows = [];
    // 3 persons: / -> /a -> /b; 2 persons: / -> /b (a repeat of /b collapses); 1 person each: / -> /c<i>.
    for (let i = 0; i < 3; i++) rows.push(page(`a${i}`, '/', '2024-01-01T00:00:00Z'), page(`a${i}`, '/a', '2024-01-01T00:01:00Z'), page(`a${i}`, '/b', '2024-01-01T00:02:00Z'));
    for (let i = 0; i < 2; i++) rows.push(page(`b${i}`, '/', '2024-01-01T00:00:00Z'), page(`b${i}`, '/b', '2024-01-01T00:01:00Z'), page(`b${i}`, '/b', '2024-01-01T00:02:00Z'));
    for (let i = 0; i < 25; i++) rows.push(page(`c${i}`, '/', '2024-01-01T00:00:00Z'), page(`c${i}`, `/c${String(i).padStart(2, '0')}`, '2024-01-01T00:01:00Z'));
    await loadRows(store, rows);
    const start = { event: 'page', where: [{ property: 'page_path', op: 'eq' as const, value: '/' }] };
    const result = await runPaths(store, { start, steps: 3 });
    expect(result.persons).toBe(30);
    expect(result.topPaths).toHaveLength(20);
    expect(result.topPaths.slice(0, 4)).toEqual([
      { steps: ['/', '/a', '/b'], persons: 3, share: 0.1, dropped: false },
      { steps: ['/', '/b'], persons: 2, share: 2 / 30, dropped: true },
      { steps: ['/', '/c00'], persons: 1, share: 1 / 30, dropped: true },
      { steps: ['/', '/c01'], persons: 1, share: 1 / 30, dropped: true },
    ]);
    expect(result.topPaths.at(-1)!.steps).toEqual(['/', '/c17']);
    const common = await runPaths(store, { start, steps: 2, minPersons: 2 });
    expect(common.topPaths).toEqual([
      { steps: ['/', '/a'], persons: 3, share: 0.1, dropped: false },
      { steps: ['/', '/b'], persons: 2, share: 2 / 30, dropped: false },
    ]);
  });

  it('stops at the end of the anchor session when session-bound', async () => {
    await loadRows(store, [
      page('u1', '/', '2024-01-01T00:00:00Z', { session_id: 's1' }),
      page('u1', '/a', '2024-01-01T00:01:00Z', { session_id: 's1' }),
      page('u1', '/b', '2024-01-01T05:00:00Z', { session_id: 's2' }),
      page('u2', '/', '2024-01-01T00:00:00Z'),
      page('u2', '/a', '2024-01-01T00:20:00Z'),
      page('u2', '/b', '2024-01-01T01:00:00Z'),
    ]);
    const unbounded = await runPaths(store, { start: { event: 'page' }, steps: 4 });
    expect(unbounded.nodes.map((n) => [n.id, n.persons])).toEqual([['0:/', 2], ['1:/a', 2], ['2:/b', 2]]);
    expect(unbounded.topPaths).toEqual([{ steps: ['/', '/a', '/b'], persons: 2, share: 1, dropped: true }]);
    const bounded = await runPaths(store, { start: { event: 'page' }, steps: 4, sessionBound: true });
    expect(bounded.nodes.map((n) => [n.id, n.persons, n.dropOff])).toEqual([['0:/', 2, 0], ['1:/a', 2, 2]]);
    expect(bounded.topPaths).toEqual([{ steps: ['/', '/a'], persons: 2, share: 1, dropped: true }]);
  });

  it('requires exactly one anchor', async () => {
    await expect(runPaths(store, { steps: 3 })).rejects.toThrow('give exactly one of "start"');
  });
});
