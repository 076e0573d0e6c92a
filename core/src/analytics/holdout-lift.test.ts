import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { isHeldOut } from '../edge-api/audience-holdout';
import { ev, loadRows, track } from '../testing/event-rows';
import { contactFacts } from './audience-contacts';
import { holdoutLift } from './holdout-lift';

const stores: Record<'wasm' | 'native', EventStore> = {} as never;
beforeAll(async () => {
  stores.wasm = await openWasmStore();
  stores.native = await openNativeStore({ threads: 1 });
});
afterAll(async () => Promise.all([stores.wasm?.close(), stores.native?.close()]));

const person = (i: number) => `p${String(i).padStart(4, '0')}`;

describe.each(['wasm', 'native'] as const)('audience contacts and holdout lift on %s', (engine) => {
  it('reads the newest hashed contact key of the channel and the last order time', async () => {
    await loadRows(stores[engine], [
      ev({ at: '2024-03-01T10:00:00Z', type: 'identify', event: 'identify', user_id: 'u1', properties: { $ids: 'email:aaa phone:ppp' } }),
      ev({ at: '2024-03-02T10:00:00Z', type: 'identify', event: 'identify', user_id: 'u1', properties: { $ids: 'email:bbb' } }),
      track('u1', 'Order Completed', '2024-03-03T10:00:00Z'),
      track('u2', 'Product Viewed', '2024-03-03T10:00:00Z'),
    ]);
    const email = await contactFacts(stores[engine], 'email');
    expect(email.get('u1')).toEqual({ address: 'email:bbb', lastOrderAt: Date.parse('2024-03-03T10:00:00Z') });
    expect(email.get('u2')).toEqual({ address: null, lastOrderAt: null });
    expect((await contactFacts(stores[engine], 'sms')).get('u1')!.address).toBe('phone:ppp');
  });

  it('compares the delivered members with the holdout drawn as the edge draws it, from the send on', async () => {
    const members = Array.from({ length: 400 }, (_, i) => person(i));
    const held = (p: string) => isHeldOut('spring', p, 0.25);
    // Delivered members convert every third, held-out members every sixth; an order before the send does not count.
    const rows = members.flatMap((p, i) => {
      const converts = held(p) ? i % 6 === 0 : i % 3 === 0;
      return [track(p, 'Order Completed', '2024-03-31T10:00:00Z'), ...(converts ? [track(p, 'Order Completed', '2024-04-03T10:00:00Z')] : [])];
    });
    await loadRows(stores[engine], [...rows, track('late', 'Page Viewed', '2024-04-20T00:00:00Z')]);
    const lift = await holdoutLift(stores[engine], { audienceId: 'spring', holdout: 0.25, members, sentAt: '2024-04-01T00:00:00Z' });
    const heldOut = members.filter(held);
    expect(lift.holdout.persons).toBe(heldOut.length);
    expect(lift.delivered.persons).toBe(400 - heldOut.length);
    expect(lift.holdout.converters).toBe(heldOut.filter((p) => members.indexOf(p) % 6 === 0).length);
    expect(lift.delivered.converters).toBe(members.filter((p) => !held(p) && members.indexOf(p) % 3 === 0).length);
    expect(lift.test.difference).toBeCloseTo(lift.delivered.conversionRate - lift.holdout.conversionRate, 12);
    expect(lift.test.difference).toBeGreaterThan(0.1);
    expect(lift.incomplete).toBe(false);
    expect(lift.to).toBe('2024-04-08T00:00:00.000Z');
  });
});
