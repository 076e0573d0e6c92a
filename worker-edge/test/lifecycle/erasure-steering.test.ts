import { describe, expect, it } from 'vitest';
import type { EventRow } from '@privacy-analytics/core/schema';
import { adminCall, at, byEventId, drain, event, flushSite, hashedId, ingest, rowsInManifest } from './lifecycle-helpers';

// Issue 19, "Erasure that cannot be steered onto other people": which identity links an erasure follows, what it
// blocks for the future, and when it waits for a confirmation. Everything goes through the real ingest and erasure
// routes; the lifecycle work is driven step by step (LIFECYCLE_PAUSED).
const SITE = 'erasure-steering';

const mentions = (ids: ReadonlySet<string>) => (row: EventRow) => [row.user_id, row.anonymous_id, row.previous_id].some((id) => id !== null && ids.has(id));

async function hashes(...values: string[]): Promise<Set<string>> {
  return new Set(await Promise.all(values.map((value) => hashedId(SITE, value))));
}

interface Stop {
  hashedId: string;
  reason: string;
  requested: boolean;
}

async function eraseAndDrain(body: Record<string, unknown>) {
  const requested = await adminCall(SITE, 'POST', '/erasure', body);
  expect(requested.status, JSON.stringify(requested.body)).toBe(202);
  await drain(SITE);
  return (await adminCall(SITE, 'GET', `/erasure/${requested.body.id as string}`)).body;
}

describe('erasure steering', { timeout: 90_000 }, () => {
  it('an alias sent with the public write key does not steer an erasure onto another person', async () => {
    const victim = { device: 'victim-device', user: 'victim@example.com' };
    const attacker = { device: 'attacker-device', user: 'attacker-account' };
    await ingest(SITE, [
      event({ type: 'identify', anonymousId: victim.device, userId: victim.user, timestamp: at(-3, 9, 30) }),
      ...[-3, -2, -1].flatMap((day) => [
        event({ type: 'page', anonymousId: victim.device, timestamp: at(day, 9), properties: { path: '/home' } }),
        event({ anonymousId: victim.device, userId: victim.user, event: 'Order Completed', timestamp: at(day, 10), properties: { order_id: `o${day}`, revenue: 20 } }),
      ]),
    ]);
    await flushSite(SITE);
    // Anyone holding the site's write key (it is in the page) can write links between any ids.
    await ingest(SITE, [
      event({ type: 'page', anonymousId: attacker.device, timestamp: at(-1, 12), properties: { path: '/pricing' } }),
      event({ type: 'identify', anonymousId: attacker.device, userId: attacker.user, timestamp: at(-1, 12, 5) }),
      event({ type: 'alias', previousId: victim.device, userId: attacker.user, timestamp: at(-1, 12, 10) }),
      event({ type: 'alias', previousId: victim.user, userId: attacker.user, timestamp: at(-1, 12, 11) }),
      event({ type: 'alias', previousId: attacker.user, userId: victim.user, timestamp: at(-1, 12, 12) }),
      event({ anonymousId: victim.device, userId: attacker.user, timestamp: at(-1, 12, 13) }),
    ]);
    await flushSite(SITE);

    const attackerIds = await hashes(attacker.device, attacker.user);
    const victimIds = await hashes(victim.device, victim.user);
    const before = await rowsInManifest(SITE);
    const victimRows = before.filter((row) => mentions(victimIds)(row) && !mentions(attackerIds)(row));
    expect(victimRows).toHaveLength(7);
    const othersBefore = before.filter((row) => !mentions(attackerIds)(row)).sort(byEventId);

    const status = await eraseAndDrain({ userId: attacker.user });
    expect(status).toMatchObject({ status: 'done', linkedIds: 2, blockedIds: 2, rowsRemoved: 6, error: null });
    expect(status.stops as Stop[]).toEqual(
      expect.arrayContaining([...victimIds].map((id) => ({ hashedId: id, reason: 'several_user_ids', requested: false }))),
    );

    const after = await rowsInManifest(SITE);
    expect(after.filter(mentions(attackerIds))).toEqual([]);
    expect(after.sort(byEventId)).toEqual(othersBefore);

    // The victim's ids were not blocked: their later events are stored. The attacker's are dropped.
    const later = await ingest(SITE, [
      event({ type: 'page', anonymousId: victim.device, timestamp: at(0, 0, 1), properties: { path: '/after' } }),
      event({ anonymousId: victim.device, userId: victim.user, timestamp: at(0, 0, 2) }),
      event({ anonymousId: attacker.device, timestamp: at(0, 0, 3) }),
      event({ userId: attacker.user, timestamp: at(0, 0, 4) }),
    ]);
    expect(later.accepted).toBe(2);
    await flushSite(SITE);
    const stored = await rowsInManifest(SITE);
    expect(stored.filter(mentions(victimIds))).toHaveLength(victimRows.length + 2);
    expect(stored.filter(mentions(attackerIds))).toEqual([]);
  });

  it('a shared anonymous id (a constant "null", a kiosk, a cookieless visitor behind one NAT) is neither passed through nor blocked', async () => {
    const shared = 'null';
    const users = ['kiosk-user-1', 'kiosk-user-2', 'kiosk-user-3'];
    await ingest(SITE, [
      ...users.flatMap((user, i) => [
        event({ type: 'identify', anonymousId: shared, userId: user, timestamp: at(-2, 8 + i) }),
        event({ anonymousId: shared, userId: user, timestamp: at(-2, 8 + i, 5) }),
        event({ type: 'page', anonymousId: `own-device-${i}`, timestamp: at(-2, 14 + i), properties: { path: '/account' } }),
        event({ type: 'identify', anonymousId: `own-device-${i}`, userId: user, timestamp: at(-2, 14 + i, 5) }),
      ]),
      ...[0, 1, 2, 3].map((minute) => event({ type: 'page', anonymousId: shared, timestamp: at(-1, 10, minute), properties: { path: '/' } })),
    ]);
    await flushSite(SITE);

    const person = await hashes(users[0]!, 'own-device-0');
    const before = await rowsInManifest(SITE);
    expect(before.filter(mentions(person))).toHaveLength(4);
    const othersBefore = before.filter((row) => !mentions(person)(row)).sort(byEventId);

    const status = await eraseAndDrain({ userId: users[0] });
    expect(status).toMatchObject({ status: 'done', linkedIds: 2, blockedIds: 2, rowsRemoved: 4 });
    expect(status.stops).toEqual([{ hashedId: await hashedId(SITE, shared), reason: 'several_user_ids', requested: false }]);
    expect((await rowsInManifest(SITE)).sort(byEventId)).toEqual(othersBefore);

    const later = await ingest(SITE, [
      event({ type: 'page', anonymousId: shared, timestamp: at(0, 1), properties: { path: '/' } }),
      event({ type: 'identify', anonymousId: shared, userId: users[1], timestamp: at(0, 1, 1) }),
    ]);
    expect(later.accepted).toBe(2);
  });

  it('an id tied to more ids than ERASURE_LINK_MAX_IDS (20) is not passed through, even with a single user id', async () => {
    const owner = 'tablet-owner';
    const tablet = 'family-tablet';
    await ingest(SITE, [
      event({ type: 'identify', anonymousId: tablet, userId: owner, timestamp: at(-2, 20) }),
      ...Array.from({ length: 25 }, (_, i) => event({ type: 'alias', anonymousId: tablet, previousId: `tablet-profile-${i}`, userId: owner, timestamp: at(-2, 20, i + 1) })),
      ...[0, 1, 2].map((minute) => event({ type: 'page', anonymousId: tablet, timestamp: at(-1, 21, minute), properties: { path: '/games' } })),
    ]);
    await flushSite(SITE);
    const tabletId = await hashedId(SITE, tablet);

    const status = await eraseAndDrain({ userId: owner });
    expect(status).toMatchObject({ status: 'done', linkedIds: 26, rowsRemoved: 26 });
    expect(status.stops).toEqual([{ hashedId: tabletId, reason: 'too_many_ids', requested: false }]);
    expect((await rowsInManifest(SITE)).filter((row) => row.anonymous_id === tabletId)).toHaveLength(3);
  });

  it('a request whose expansion is large is a dry run until it is confirmed', async () => {
    const user = 'many-devices-user';
    await ingest(SITE, Array.from({ length: 55 }, (_, i) => event({ type: 'identify', anonymousId: `device-${i}`, userId: user, timestamp: at(-1 - (i % 3), i % 24, i) })));
    await flushSite(SITE);
    const person = await hashes(user, ...Array.from({ length: 55 }, (_, i) => `device-${i}`));
    const before = await rowsInManifest(SITE);
    expect(before.filter(mentions(person))).toHaveLength(55);

    const requested = await adminCall(SITE, 'POST', '/erasure', { userId: user });
    expect(requested.status).toBe(202);
    const id = requested.body.id as string;
    await drain(SITE);
    const dryRun = (await adminCall(SITE, 'GET', `/erasure/${id}`)).body;
    expect(dryRun).toMatchObject({ status: 'awaiting_confirmation', confirmed: false, linkedIds: 56, rowsRemoved: 0, dryRun: { ids: 56, rows: 55 } });
    expect(new Set((dryRun.dryRun as { hashedIds: string[] }).hashedIds)).toEqual(person);
    expect((dryRun.dryRun as { files: number }).files).toBeGreaterThan(0);
    expect((await rowsInManifest(SITE)).sort(byEventId)).toEqual(before.sort(byEventId));

    // The same request without "confirm" only shows the dry run again; with it, the erasure runs.
    const again = await adminCall(SITE, 'POST', '/erasure', { userId: user });
    expect(again).toMatchObject({ status: 200, body: { id, status: 'awaiting_confirmation' } });
    const confirmed = await adminCall(SITE, 'POST', '/erasure', { userId: user, confirm: true });
    expect(confirmed).toMatchObject({ status: 200, body: { id, status: 'pending', confirmed: true } });
    await drain(SITE);
    expect((await adminCall(SITE, 'GET', `/erasure/${id}`)).body).toMatchObject({ status: 'done', rowsRemoved: 55, linkedIds: 56 });
    expect((await rowsInManifest(SITE)).filter(mentions(person))).toEqual([]);

    const audit = await adminCall(SITE, 'GET', '/audit?action=erasure.confirm');
    expect(audit.body.entries).toEqual([expect.objectContaining({ actor: 'config:admin:0', details: expect.objectContaining({ requestId: id, ids: 56 }) })]);
  });
});
