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

describe('identity on contact keys', () => {
  it('links an online visitor and an offline customer through a hashed phone, but not through a shared one', async () => {
    const { openWasmStore } = await import('../connectors/node');
    const { messagesToRows, factsFromMessageTime } = await import('../ingest/messages-to-rows');
    const { HmacIdHasher } = await import('../privacy/keyed-hash');
    const { encodeRows } = await import('../connectors/node');
    const messages = [
      // online: a device that identifies with a phone number (written as a person would type it)
      { type: 'identify', anonymousId: 'device-1', traits: { phone: '+86 138 0013 8000' }, timestamp: '2026-01-01T00:00:00Z', messageId: 'a' },
      { type: 'track', event: 'Product Viewed', anonymousId: 'device-1', timestamp: '2026-01-01T00:01:00Z', messageId: 'b' },
      // offline: a member's order carrying the same number in another language's key
      { type: 'track', event: 'Order Completed', userId: 'member-7', properties: { 手机号: '+86-13800138000', revenue: 30 }, timestamp: '2026-01-02T00:00:00Z', messageId: 'c' },
      // a shop counter number given by two different members links neither
      { type: 'identify', userId: 'member-8', traits: { phone: '400 800 9000' }, timestamp: '2026-01-03T00:00:00Z', messageId: 'd' },
      { type: 'identify', userId: 'member-9', traits: { phone: '4008009000' }, timestamp: '2026-01-03T00:00:00Z', messageId: 'e' },
      // a client cannot write the reserved key itself
      { type: 'track', event: 'Forged', anonymousId: 'device-2', properties: { $ids: 'phone:whatever' }, timestamp: '2026-01-03T00:00:00Z', messageId: 'f' },
    ];
    const rows = [];
    for await (const outcome of messagesToRows(messages, (raw) => factsFromMessageTime(raw), { site: 's', hasher: new HmacIdHasher('k'.repeat(43)), queryParams: [], scrub: true })) {
      if (outcome.kind === 'row') rows.push(outcome.row);
    }
    expect(rows).toHaveLength(6);
    expect(JSON.parse(rows[5]!.properties)).toEqual({});
    const phoneKey = JSON.parse(rows[0]!.properties).$ids as string;
    expect(phoneKey).toMatch(/^phone:[0-9a-f]{32}$/);
    expect(JSON.parse(rows[2]!.properties).$ids).toBe(phoneKey);
    expect(rows.map((r) => r.properties).join()).not.toContain('13800138000');
    const store = await openWasmStore();
    try {
      await store.resetEvents();
      await store.loadParquetBytes(encodeRows(rows), 'contacts');
      const stats = await buildPersonMap(store);
      expect(stats).toMatchObject({ contactKeys: 1, sharedContactKeys: 1 });
      const persons = await store.query<{ id: string; person_id: string }>('SELECT id, person_id FROM person_map ORDER BY id');
      const personOf = new Map(persons.map((p) => [p.id, p.person_id]));
      const [device1, member7, member8, member9] = [rows[0]!.anonymous_id!, rows[2]!.user_id!, rows[3]!.user_id!, rows[4]!.user_id!];
      expect(personOf.get(device1)).toBe(member7);
      expect(personOf.get(member8)).toBe(member8);
      expect(personOf.get(member9)).toBe(member9);
      expect(stats.persons).toBe(4);
    } finally {
      await store.close();
    }
  });

  it('links an online account and an offline member with the same phone; two members or two accounts sharing it link nobody', async () => {
    const props = (ids: string, offline: boolean) => ({ ...(offline ? { source: 'import' } : {}), $ids: ids });
    await loadRows(store, [
      // one person seen from two systems: the web account and the till's member id
      ev({ at: '2024-01-01T00:00:00Z', type: 'identify', event: 'identify', anonymous_id: 'web-1', user_id: 'account-1', properties: props('phone:p1 email:e1', false) }),
      ev({ at: '2024-01-05T00:00:00Z', event: 'Order Completed', user_id: 'member-1', properties: props('phone:p1', true) }),
      // a counter phone given by two members at the till
      ev({ at: '2024-01-06T00:00:00Z', event: 'Order Completed', user_id: 'member-2', properties: props('phone:counter', true) }),
      ev({ at: '2024-01-06T00:00:00Z', event: 'Order Completed', user_id: 'member-3', properties: props('phone:counter', true) }),
      // a family e-mail used by two web accounts
      ev({ at: '2024-01-07T00:00:00Z', type: 'identify', event: 'identify', user_id: 'account-4', properties: props('email:family', false) }),
      ev({ at: '2024-01-07T00:00:00Z', type: 'identify', event: 'identify', user_id: 'account-5', properties: props('email:family', false) }),
    ]);
    const stats = await buildPersonMap(store);
    expect(stats).toMatchObject({ contactKeys: 2, sharedContactKeys: 2 });
    const map = await store.query<{ id: string; person_id: string }>('SELECT id, person_id FROM person_map ORDER BY id');
    const personOf = Object.fromEntries(map.map((r) => [r.id, r.person_id]));
    expect(personOf['member-1']).toBe(personOf['account-1']);
    expect(personOf['web-1']).toBe(personOf['account-1']);
    expect(new Set([personOf['member-2'], personOf['member-3'], personOf['account-4'], personOf['account-5']]).size).toBe(4);
  });
});
