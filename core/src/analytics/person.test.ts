import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { ev, loadRows } from '../testing/event-rows';
import { personProfile, type PersonProfile } from './person';

let store: EventStore;

// One person across four ids and both origins: a store order of member m-1 (imported, phone p1), a web visitor who
// signs up with the same phone, a laptop that logs in as m-1, and an old id aliased to m-1. Two members who gave a
// shop's counter phone are linked to nobody.
const ROWS = [
  ev({ at: '2026-02-20T12:00:00Z', event: 'Order Completed', user_id: 'm-1', order_id: 'S-1', revenue: 50, properties: { source: 'import', store: 'store-7', $ids: 'member:k1 phone:p1' } }),
  ev({ at: '2026-03-01T10:00:00Z', type: 'page', event: 'page', anonymous_id: 'web-1', page_path: '/pricing', channel: 'search' }),
  ev({ at: '2026-03-01T10:05:00Z', event: 'Signed Up', anonymous_id: 'web-1', properties: { $ids: 'phone:p1' } }),
  ev({ at: '2026-03-02T08:00:00Z', event: 'Product Viewed', anonymous_id: 'web-2', product_id: 'SKU-1' }),
  ev({ at: '2026-03-02T09:00:00Z', type: 'identify', event: 'identify', anonymous_id: 'web-2', user_id: 'm-1' }),
  ev({ at: '2026-03-03T09:00:00Z', type: 'alias', event: 'alias', previous_id: 'old-1', user_id: 'm-1' }),
  ev({ at: '2026-03-01T11:00:00Z', event: 'Signed Up', user_id: 'x-1', properties: { $ids: 'phone:counter' } }),
  ev({ at: '2026-03-01T11:00:00Z', event: 'Signed Up', user_id: 'x-2', properties: { $ids: 'phone:counter' } }),
];

const SEGMENTS = [
  { name: 'Buyers', spec: { condition: { type: 'behaviour', event: 'Order Completed' } } },
  { name: 'Never signed up', spec: { condition: { type: 'behaviour', event: 'Signed Up', did: false } } },
  { name: 'Broken', spec: { condition: { type: 'tag', tag: 'no_such_tag', op: 'eq', value: 1 } } },
  { name: 'Churn risk', spec: { condition: { type: 'score', model: 'churn', op: 'gt', value: 0.7 } } },
];

beforeAll(async () => {
  store = await openWasmStore();
  await loadRows(store, ROWS);
});
afterAll(async () => store?.close());

async function found(input: Parameters<typeof personProfile>[1]): Promise<PersonProfile> {
  const profile = await personProfile(store, input);
  if (!profile.found) throw new Error(`no person for ${input.id}`);
  return profile;
}

describe('person profile', () => {
  it('resolves any of the ids to one person and says which key joined each id', async () => {
    for (const id of ['web-1', 'web-2', 'm-1', ' old-1 ']) expect((await found({ id })).person).toBe('m-1');
    const profile = await found({ id: 'web-1' });
    const ids = Object.fromEntries(profile.ids.map((i) => [i.id, { via: i.via, events: i.events, isUser: i.isUser }]));
    expect(ids).toEqual({
      'm-1': { via: ['user_id', 'alias', 'phone'], events: 3, isUser: true },
      'web-1': { via: ['phone'], events: 2, isUser: false },
      'web-2': { via: ['user_id'], events: 1, isUser: false },
      'old-1': { via: ['alias'], events: 0, isUser: false },
    });
    expect(profile.ids[0]!.id).toBe('m-1');
  });

  it('a shared contact key links nobody', async () => {
    const profile = await found({ id: 'x-1' });
    expect(profile.ids.map((i) => [i.id, i.via])).toEqual([['x-1', []]]);
  });

  it('lists online and offline rows newest first, a page at a time, with the total', async () => {
    const all = await found({ id: 'm-1' });
    expect(all.counts).toEqual({ events: 6, online: 5, offline: 1 });
    expect(all.timeline.map((e) => e.event)).toEqual(['alias', 'identify', 'Product Viewed', 'Signed Up', 'page', 'Order Completed']);
    const order = all.timeline.at(-1)!;
    expect(order).toMatchObject({ origin: 'offline', orderId: 'S-1', revenue: 50, store: 'store-7', id: 'm-1', at: Date.parse('2026-02-20T12:00:00Z') });
    expect(all.timeline.filter((e) => e.origin === 'offline')).toHaveLength(1);
    expect(all.timeline.find((e) => e.event === 'page')).toMatchObject({ origin: 'online', pagePath: '/pricing', channel: 'search', store: null });

    const page = await found({ id: 'm-1', limit: 2, offset: 2 });
    expect(page.counts.events).toBe(6);
    expect(page.timeline.map((e) => e.event)).toEqual(['Product Viewed', 'Signed Up']);
  });

  it('has the tags of the merged person', async () => {
    const { tags } = await found({ id: 'web-1' });
    expect(tags).toMatchObject({ order_count: 1, revenue: 50, first_seen: Date.parse('2026-02-20T12:00:00Z'), last_seen: Date.parse('2026-03-03T09:00:00Z'), preferred_channel: 'direct' });
    expect(tags?.lifecycle).toEqual(expect.any(String));
  });

  it('tells which saved segments the person is in; a segment that cannot run says why', async () => {
    const { segments, scores } = await found({ id: 'web-2', segments: SEGMENTS });
    expect(scores).toBeNull();
    expect(segments.map((s) => [s.name, s.member])).toEqual([
      ['Buyers', true],
      ['Never signed up', false],
      ['Broken', null],
      ['Churn risk', null],
    ]);
    expect(segments[2]!.reason).toMatch(/^spec.condition: /);
    expect(segments[3]!.reason).toMatch(/score persons in the Models view/);
    const stranger = await found({ id: 'x-2', segments: SEGMENTS.slice(0, 2) });
    expect(stranger.segments.map((s) => s.member)).toEqual([false, false]);
  });

  it('reads model scores once persons are scored', async () => {
    await store.query("CREATE OR REPLACE TEMP TABLE person_scores AS SELECT * FROM (VALUES ('m-1', 'churn', 0.82), ('m-1', 'propensity', 0.1), ('x-1', 'churn', 0.3)) t(person, model, score)");
    try {
      const profile = await found({ id: 'old-1', segments: SEGMENTS.slice(3) });
      expect(profile.scores).toEqual({ churn: expect.closeTo(0.82, 6), propensity: expect.closeTo(0.1, 6) });
      expect(profile.segments).toEqual([{ name: 'Churn risk', member: true }]);
    } finally {
      await store.query('DROP TABLE person_scores');
    }
  });

  it('without identity mapping a person is one id', async () => {
    const profile = await found({ id: 'web-1', identity: 'none' });
    expect(profile.person).toBe('web-1');
    expect(profile.ids.map((i) => [i.id, i.via, i.events])).toEqual([['web-1', [], 2]]);
    expect(profile.counts).toEqual({ events: 2, online: 2, offline: 0 });
    expect((await personProfile(store, { id: 'old-1', identity: 'none' })).found).toBe(false);
  });

  it('an unknown id is not found; an empty one is refused with the reason', async () => {
    expect(await personProfile(store, { id: 'nobody' })).toEqual({ found: false, query: 'nobody' });
    await expect(personProfile(store, { id: '  ' })).rejects.toThrow(/paste a person id/);
    await expect(personProfile(store, { id: 'x'.repeat(600) })).rejects.toThrow(/512/);
  });
});
