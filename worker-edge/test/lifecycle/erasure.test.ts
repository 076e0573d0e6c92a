import { env, evictDurableObject, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { SiteLifecycle } from '../../src/lifecycle/site-lifecycle';
import type { EventRow } from '@privacy-analytics/core/schema';
import { EDGE } from '../helpers';
import { adminCall, at, byEventId, drain, event, flushSite, hashedId, ingest, manifestOf, objectKeys, rowsInManifest } from './lifecycle-helpers';
import { bufferOf, catalogOf, lifecycleOf } from '../../src/stubs';

const SITE = 'erasure';

const isPersonRow = (ids: Set<string>) => (row: EventRow) => [row.user_id, row.anonymous_id, row.previous_id].some((id) => id !== null && ids.has(id));

/** Rows of other people, spread over the same dates and hours as the person's. */
function othersOn(day: number, tag: string): Record<string, unknown>[] {
  return [0, 5, 11, 17, 23].flatMap((hour, i) => [
    event({ anonymousId: `other-${tag}-${i}`, timestamp: at(day, hour, 10), properties: { product_id: `p-${i}`, price: i + 0.5 } }),
    event({ type: 'identify', anonymousId: `other-${tag}-${i}`, userId: `other-user-${tag}-${i}`, timestamp: at(day, hour, 20), traits: { plan: 'free' } }),
    event({ type: 'page', anonymousId: `bystander-${i}`, timestamp: at(day, hour, 30), properties: { path: '/pricing', url: 'https://shop.example/pricing' } }),
  ]);
}

async function storageText(stub: DurableObjectStub): Promise<string> {
  return runInDurableObject(stub, (_instance, state) => {
    const tables = state.storage.sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'`).toArray();
    return tables.map(({ name }) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray())).join('\n');
  });
}

describe('erasure', { timeout: 90_000 }, () => {
  it('removes every row of a person linked through identify and alias, across many partitions, and changes no other row', async () => {
    // The person: user id U and devices A1..A4, linked by identify, alias and an event carrying both ids, in files
    // flushed at different times. (A second user id is never joined through links: see erasure-links.test.ts.)
    const U = 'person-u@example.com';
    const ids = { U, A1: 'device-a1', A2: 'device-a2', A3: 'device-a3', A4: 'device-a4' };
    await ingest(SITE, [
      ...[-5, -4].flatMap((day) => [event({ anonymousId: ids.A4, timestamp: at(day, 9) }), event({ anonymousId: ids.A4, timestamp: at(day, 21) })]),
      event({ type: 'identify', anonymousId: ids.A4, userId: U, timestamp: at(-4, 22), traits: { plan: 'pro' } }),
      ...othersOn(-5, 'a'),
      ...othersOn(-4, 'a'),
    ]);
    await flushSite(SITE);
    await ingest(SITE, [
      ...[-3, -2].flatMap((day) => [0, 5, 11].map((hour) => event({ anonymousId: ids.A1, timestamp: at(day, hour, 40) }))),
      event({ type: 'identify', anonymousId: ids.A1, userId: U, timestamp: at(-2, 12), traits: { plan: 'pro' } }),
      event({ type: 'page', anonymousId: ids.A2, timestamp: at(-3, 17, 50), properties: { path: '/cart' } }),
      event({ type: 'alias', previousId: ids.A2, userId: U, timestamp: at(-2, 13) }),
      ...othersOn(-3, 'b'),
      ...othersOn(-2, 'b'),
    ]);
    await flushSite(SITE);
    await ingest(SITE, [
      event({ anonymousId: ids.A3, userId: U, timestamp: at(-1, 8), event: 'Order Completed', properties: { order_id: 'o-9', revenue: 30 } }),
      event({ type: 'identify', anonymousId: ids.A3, userId: U, timestamp: at(-1, 9) }),
      ...othersOn(-1, 'c'),
    ]);
    await flushSite(SITE);

    const person = new Set(await Promise.all(Object.values(ids).map((id) => hashedId(SITE, id))));
    const before = await rowsInManifest(SITE);
    const personRows = before.filter(isPersonRow(person));
    const others = before.filter((row) => !isPersonRow(person)(row)).sort(byEventId);
    const filesWithPerson = (await manifestOf(SITE)).length;
    expect(personRows.length).toBe(16);
    expect(new Set(personRows.map((r) => new Date(r.timestamp).toISOString().slice(0, 13))).size).toBeGreaterThanOrEqual(10);
    expect(filesWithPerson).toBeGreaterThan(10);

    const requested = await adminCall(SITE, 'POST', '/erasure', { userId: U });
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ status: 'pending', via: 'userId', hashedIds: [await hashedId(SITE, U)] });
    const statusUrl = requested.body.statusUrl as string;

    // The first step blocks U and flushes. Events sent now by devices not yet known stay buffered until
    // the purge; the one carrying U is dropped at once, so "someone-else" is never stored, nor linked.
    expect(await drain(SITE, { maxSteps: 1 })).toBe(1);
    const late = await ingest(SITE, [
      event({ anonymousId: ids.A1, timestamp: at(0, 0, 1) }),
      event({ anonymousId: ids.A1, timestamp: at(0, 0, 2) }),
      event({ anonymousId: ids.A2, timestamp: at(0, 0, 3) }),
      event({ anonymousId: 'someone-else', userId: U, timestamp: at(0, 0, 4) }),
    ]);
    expect(late.accepted).toBe(3);
    await drain(SITE);

    const status = await SELF.fetch(`${EDGE}${statusUrl}`, { headers: { authorization: 'Bearer erasure-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' } });
    const report = (await status.json()) as Record<string, number | string>;
    expect(report).toMatchObject({ status: 'done', phase: 'done', rowsRemoved: 16, bufferedRowsRemoved: 3, linkedIds: 5, blockedIds: 5, stops: [], attempts: 0, error: null });
    expect(report.passes).toBeGreaterThanOrEqual(3);
    expect(Number(report.filesRewritten) + Number(report.filesDeleted)).toBeGreaterThan(5);

    const after = await rowsInManifest(SITE);
    expect(after.filter(isPersonRow(person))).toEqual([]);
    expect(after.sort(byEventId)).toEqual(others);
    expect(await objectKeys(SITE)).toEqual((await manifestOf(SITE)).map((f) => f.key).sort());

    // New events of any of the person's ids are dropped at ingest and counted.
    expect((await ingest(SITE, [event({ anonymousId: ids.A4, timestamp: at(0, 1) }), event({ userId: U, timestamp: at(0, 1) })])).accepted).toBe(0);
    await flushSite(SITE);
    expect((await rowsInManifest(SITE)).filter(isPersonRow(person))).toEqual([]);
    const live = await SELF.fetch(`${EDGE}/v1/sites/${SITE}/live?minutes=5`, { headers: { authorization: 'Bearer erasure-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' } });
    const minutes = ((await live.json()) as { minutes: Record<string, number>[] }).minutes;
    expect(minutes.reduce((n, m) => n + (m['dropped:erased'] ?? 0), 0)).toBeGreaterThanOrEqual(3);

    // The audit log and every durable store hold hashed ids only.
    const audit = await adminCall(SITE, 'GET', '/audit?limit=1000');
    const entries = audit.body.entries as { action: string; actor: string; details: Record<string, unknown> }[];
    expect(entries.find((e) => e.action === 'erasure.request')).toMatchObject({ actor: 'config:admin:0', details: { hashedIds: [await hashedId(SITE, U)], via: 'userId' } });
    expect(entries.find((e) => e.action === 'erasure.done')).toMatchObject({ actor: 'system', details: { rowsRemoved: 16, linkedIds: 5, blockedIds: 5, stops: 0 } });
    const catalog = catalogOf(env, SITE);
    for (const text of [await storageText(catalog), await storageText(lifecycleOf(env, SITE))]) {
      for (const raw of Object.values(ids)) expect(text).not.toContain(raw);
    }
  });

  it('erases by hashed id, and resumes after a crash between writing a file and switching the manifest', async () => {
    const Q = 'person-q';
    await ingest(SITE, [
      ...[-6, -5, -1].flatMap((day) => [3, 14].map((hour) => event({ anonymousId: Q, timestamp: at(day, hour, 45) }))),
      ...othersOn(-6, 'q'),
    ]);
    await flushSite(SITE);
    const q = await hashedId(SITE, Q);
    const before = await rowsInManifest(SITE);
    const others = before.filter((row) => row.anonymous_id !== q).sort(byEventId);
    expect(before.length - others.length).toBe(6);

    const requested = await adminCall(SITE, 'POST', '/erasure', { hashedId: q.toUpperCase() });
    expect(requested.status).toBe(202);
    expect((await adminCall(SITE, 'POST', '/erasure', { hashedId: q })).status).toBe(200);
    const id = requested.body.id as string;

    const stub = lifecycleOf(env, SITE);
    await drain(SITE, { maxSteps: 3 });
    await evictDurableObject(stub);
    await runInDurableObject(stub, async (instance: SiteLifecycle) => {
      const self = instance as unknown as { env: typeof env };
      const realEnv = self.env;
      let failed = false;
      const flakyCatalog = {
        idFromName: (name: string) => realEnv.SITE_CATALOG.idFromName(name),
        get: (objectId: DurableObjectId) => {
          const real = realEnv.SITE_CATALOG.get(objectId) as unknown as Record<string, (...args: unknown[]) => unknown>;
          return new Proxy({}, {
            get: (_target, method: string) => (...args: unknown[]) => {
              if (method === 'replaceFiles' && !failed) {
                failed = true;
                return Promise.reject(new Error('simulated crash before the manifest switch'));
              }
              return Reflect.apply(real[method]!, real, args);
            },
          });
        },
      };
      self.env = { ...realEnv, SITE_CATALOG: flakyCatalog as unknown as typeof env.SITE_CATALOG };
      try {
        await instance.drainWork();
      } finally {
        self.env = realEnv;
      }
      expect(failed).toBe(true);
    });
    const interrupted = await adminCall(SITE, 'GET', `/erasure/${id}`);
    expect(interrupted.body).toMatchObject({ status: 'running', phase: 'rewrite', attempts: 1 });
    expect(interrupted.body.error).toMatch(/simulated crash/);

    await evictDurableObject(stub);
    await drain(SITE, { now: Date.now() + 5 * 60_000 });
    expect((await adminCall(SITE, 'GET', `/erasure/${id}`)).body).toMatchObject({ status: 'done', rowsRemoved: 6, attempts: 0, error: null });
    expect((await rowsInManifest(SITE)).sort(byEventId)).toEqual(others);
    expect(await objectKeys(SITE)).toEqual((await manifestOf(SITE)).map((f) => f.key).sort());
  });

  it('lists requests and validates input', async () => {
    const list = await adminCall(SITE, 'GET', '/erasure');
    expect((list.body.erasures as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect((await adminCall(SITE, 'POST', '/erasure', { hashedId: 'not-hex' })).status).toBe(400);
    expect((await adminCall(SITE, 'POST', '/erasure', { userId: 'x', hashedId: '0'.repeat(32) })).status).toBe(400);
    expect((await adminCall(SITE, 'GET', '/erasure/0123456789abcdef')).status).toBe(404);
  });

  it('includes the buffer shards beyond a lowered BUFFER_SHARDS: rows buffered before the count went down are erased too', async () => {
    const R = 'person-r';
    const r = await hashedId(SITE, R);
    // Fixed message ids: the shard of an event follows from its id, and these put rows on both shards.
    await ingest(SITE, Array.from({ length: 8 }, (_, i) => event({ messageId: `lowered-shards-${i}`, anonymousId: R, timestamp: at(-1, 6, i) })));
    expect(await bufferOf(env, SITE, 1).bufferedRows()).toBeGreaterThan(0);
    const requested = await adminCall(SITE, 'POST', '/erasure', { hashedId: r });
    expect(requested.status).toBe(202);

    // The job runs with BUFFER_SHARDS lowered from 2 to 1 while shard 1 still holds rows of the person.
    await runInDurableObject(lifecycleOf(env, SITE), async (instance: SiteLifecycle) => {
      const self = instance as unknown as { env: typeof env };
      const realEnv = self.env;
      self.env = { ...realEnv, BUFFER_SHARDS: '1' };
      try {
        await instance.drainWork();
      } finally {
        self.env = realEnv;
      }
    });
    const status = (await adminCall(SITE, 'GET', `/erasure/${requested.body.id as string}`)).body;
    expect(status).toMatchObject({ status: 'done' });
    expect(Number(status.rowsRemoved) + Number(status.bufferedRowsRemoved)).toBe(8);
    await flushSite(SITE);
    expect((await rowsInManifest(SITE)).filter((row) => row.anonymous_id === r)).toEqual([]);
  });

  it('on a cookieless site, erases what the live daily salts can still tie to the user id', async () => {
    const marker = crypto.randomUUID();
    const res = await SELF.fetch(`${EDGE}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${btoa('anon-write-key:')}`, 'cf-connecting-ip': '192.0.2.77' },
      body: JSON.stringify({ batch: [event({ userId: 'cookieless-user', properties: { marker } }), event({ anonymousId: 'x', properties: { marker } })] }),
    });
    expect(res.status).toBe(200);
    const erase = await SELF.fetch(`${EDGE}/v1/sites/anon/erasure`, {
      method: 'POST',
      headers: { authorization: 'Bearer anon-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G', 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'cookieless-user' }),
    });
    const request = (await erase.json()) as { id: string; hashedIds: string[] };
    expect(request.hashedIds).toHaveLength(1);
    await drain('anon');
    const status = await SELF.fetch(`${EDGE}/v1/sites/anon/erasure/${request.id}`, { headers: { authorization: 'Bearer anon-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' } });
    expect(await status.json()).toMatchObject({ status: 'done', rowsRemoved: 1 });
    const remaining = (await rowsInManifest('anon')).filter((r) => r.properties.includes(marker));
    expect(remaining).toHaveLength(1);
    expect(remaining[0]!.user_id).toBeNull();
  });
});
