import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { CompactionOptions } from '../../src/lifecycle/compaction-plan';
import type { SiteLifecycle } from '../../src/lifecycle/site-lifecycle';
import type { EventRow } from '@privacy-analytics/core/schema';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { decodeParquet, EDGE } from '../helpers';
import { at, drain, event, flushSite, ingest, manifestOf, objectKeys, siteTokens } from './lifecycle-helpers';
import { buffersOf, lifecycleOf } from '../../src/stubs';
import type { IngestBuffer } from '../../src/buffer/ingest-buffer';

const SITE = 'compaction';
const auth = { authorization: `Bearer ${siteTokens(SITE).read}` };
const SMALL_PARTS: CompactionOptions = { partMaxRows: 40, hourSettleMs: 10 * 60_000, daySettleMs: 60 * 60_000 };
const HOUR = 3_600_000;

/** Several flushes of a day, each writing one small file per hour and shard. */
async function smallFilesFor(day: number, flushes: number, perFlush: number): Promise<string[]> {
  const ids: string[] = [];
  for (let f = 0; f < flushes; f++) {
    const batch = Array.from({ length: perFlush }, (_, i) =>
      event({ anonymousId: `visitor-${day}-${i % 7}`, userId: i % 3 === 0 ? `user-${day}-${i % 5}` : undefined, timestamp: at(day, (i % 3) * 5 + 2, (f * 7 + i) % 60) }),
    );
    await ingest(SITE, batch);
    ids.push(...batch.map((m) => m.messageId as string));
    await flushSite(SITE);
  }
  return ids;
}

async function readFiles(files: readonly ManifestEntry[]): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  for (const file of files) {
    const res = await SELF.fetch(`${EDGE}/v1/sites/${SITE}/files/${file.key}`, { headers: auth });
    if (res.status !== 200) throw new Error(`GET ${file.key}: ${res.status}`);
    rows.push(...decodeParquet(new Uint8Array(await res.arrayBuffer())));
  }
  return rows;
}

/**
 * Runs `work` with the Durable Object's SiteState calls going through `intercept` (which may call the real method,
 * fail before or after it): a crash or a lost reply around a catalog call.
 */
async function withCatalog(instance: object, intercept: (method: string, call: () => Promise<unknown>) => Promise<unknown>, work: () => Promise<unknown>): Promise<void> {
  const self = instance as unknown as { env: typeof env };
  const realEnv = self.env;
  const catalog = {
    idFromName: (name: string) => realEnv.SITE_CATALOG.idFromName(name),
    get: (objectId: DurableObjectId) => {
      const real = realEnv.SITE_CATALOG.get(objectId) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return new Proxy({}, { get: (_target, method: string) => (...args: unknown[]) => intercept(method, () => Reflect.apply(real[method]!, real, args)) });
    },
  };
  self.env = { ...realEnv, SITE_CATALOG: catalog as unknown as typeof env.SITE_CATALOG };
  try {
    await work();
  } finally {
    self.env = realEnv;
  }
}

const eventIds = (rows: readonly EventRow[]) => rows.map((r) => r.event_id).sort();
const day = (offset: number) => at(offset, 0).slice(0, 10);

describe('compaction', { timeout: 90_000 }, () => {
  it('merges a finished day into day-level files sorted by time and person, keeping old keys for the grace period', async () => {
    await smallFilesFor(-2, 4, 30);
    const range = `?from=${day(-2)}&to=${day(-2)}`;
    const before = await manifestOf(SITE, range);
    // more than a day old: each flush wrote one day-level file per shard
    expect(before.length).toBeGreaterThanOrEqual(4);
    expect(before.every((f) => f.hour === null)).toBe(true);
    const rowsBefore = await readFiles(before);

    await lifecycleOf(env, SITE).tick(SITE);
    await drain(SITE);
    const after = await manifestOf(SITE, range);
    expect(after.length).toBe(1);
    expect(after[0]).toMatchObject({ date: day(-2), hour: null, rows: 120 });
    expect(after[0]!.key).toMatch(new RegExp(`^events/site=${SITE}/date=${day(-2)}/c\\d{14}-[0-9a-f]{8}\\.parquet$`));
    expect(after[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);

    const rowsAfter = await readFiles(after);
    expect(eventIds(rowsAfter)).toEqual(eventIds(rowsBefore));
    expect([...rowsAfter].sort((a, b) => a.event_id.localeCompare(b.event_id))).toEqual([...rowsBefore].sort((a, b) => a.event_id.localeCompare(b.event_id)));
    const person = (r: EventRow) => r.user_id ?? r.anonymous_id ?? '';
    for (let i = 1; i < rowsAfter.length; i++) {
      const [a, b] = [rowsAfter[i - 1]!, rowsAfter[i]!];
      expect(a.timestamp < b.timestamp || (a.timestamp === b.timestamp && person(a) <= person(b))).toBe(true);
    }

    // A reader still holding the old manifest can fetch every old file during the grace period...
    expect(eventIds(await readFiles(before))).toEqual(eventIds(rowsBefore));
    await drain(SITE, { now: Date.now() + 30 * 60_000 });
    expect((await SELF.fetch(`${EDGE}/v1/sites/${SITE}/files/${before[0]!.key}`, { headers: auth })).status).toBe(200);
    // ...and afterwards the old objects are gone.
    await drain(SITE, { now: Date.now() + HOUR + 60_000 });
    expect((await SELF.fetch(`${EDGE}/v1/sites/${SITE}/files/${before[0]!.key}`, { headers: auth })).status).toBe(404);
    expect((await objectKeys(SITE)).filter((key) => key.includes(`date=${day(-2)}/`))).toEqual(after.map((f) => f.key));
  });

  it('merges the finished hours of a day in progress into hour-level files', async () => {
    // yesterday: flushes write hour-level files
    await smallFilesFor(-1, 3, 30);
    const range = `?from=${day(-1)}&to=${day(-1)}`;
    const ids = eventIds(await readFiles(await manifestOf(SITE, range)));
    const dayStart = Date.parse(`${day(-1)}T00:00:00Z`);
    await lifecycleOf(env, SITE).tick(SITE);
    // "Now" is 08:30 on that day: hours 2 and 7 are over (and settled), hour 12 is not.
    await drain(SITE, { now: dayStart + 8.5 * HOUR });
    const files = await manifestOf(SITE, range);
    const hourFiles = (hour: number) => files.filter((f) => f.hour === hour);
    expect(hourFiles(2)).toHaveLength(1);
    expect(hourFiles(7)).toHaveLength(1);
    expect(hourFiles(2)[0]!.key).toMatch(/\/hour=02\/c\d{14}-[0-9a-f]{8}\.parquet$/);
    expect(hourFiles(12).length).toBeGreaterThan(1);
    expect(eventIds(await readFiles(files))).toEqual(ids);
  });

  it('never loses or duplicates an event for readers while compaction runs', async () => {
    await smallFilesFor(-3, 8, 15);
    const range = `?from=${day(-3)}&to=${day(-3)}`;
    const expected = eventIds(await readFiles(await manifestOf(SITE, range)));
    expect(expected).toHaveLength(120);
    const stale = await manifestOf(SITE, range);

    await lifecycleOf(env, SITE).tick(SITE);
    let compacting = true;
    let steps = 0;
    const reads: number[] = [];
    // Each step lands while two readers are mid-read, and the next waits until one of them finished a read.
    const compactor = (async () => {
      try {
        for (;;) {
          const readsBefore = reads.length;
          if ((await drain(SITE, { maxSteps: 1, compaction: SMALL_PARTS })) === 0) break;
          steps++;
          while (reads.length === readsBefore) await new Promise((resolve) => setTimeout(resolve, 10));
        }
      } finally {
        compacting = false;
      }
    })();
    const reader = async () => {
      do {
        const rows = await readFiles(await manifestOf(SITE, range));
        expect(eventIds(rows)).toEqual(expected);
        reads.push(rows.length);
      } while (compacting);
    };
    await Promise.all([compactor, reader(), reader()]);
    expect(steps).toBeGreaterThanOrEqual(3);
    expect(reads.length).toBeGreaterThanOrEqual(steps);

    const files = await manifestOf(SITE, range);
    expect(files.every((f) => f.hour === null && f.rows <= SMALL_PARTS.partMaxRows)).toBe(true);
    expect(eventIds(await readFiles(files))).toEqual(expected);
    expect(eventIds(await readFiles(stale))).toEqual(expected);
  });

  for (const failAfterSwitch of [false, true]) {
    it(`an interrupted compaction (crash ${failAfterSwitch ? 'after' : 'before'} the manifest switch) leaves no duplicate and no orphan`, async () => {
      const dayOffset = failAfterSwitch ? -6 : -5;
      await smallFilesFor(dayOffset, 3, 20);
      const range = `?from=${day(dayOffset)}&to=${day(dayOffset)}`;
      const expected = eventIds(await readFiles(await manifestOf(SITE, range)));
      const stub = lifecycleOf(env, SITE);
      await stub.tick(SITE);
      await runInDurableObject(stub, async (instance: SiteLifecycle) => {
        let failed = false;
        await withCatalog(instance, async (method, call) => {
          if (method !== 'replaceFiles' || failed) return call();
          failed = true;
          if (failAfterSwitch) await call();
          throw new Error('simulated crash around the manifest switch');
        }, () => instance.drainWork({ maxSteps: 20 }));
        expect(failed).toBe(true);
      });
      expect(eventIds(await readFiles(await manifestOf(SITE, range)))).toEqual(expected);
      await stub.tick(SITE);
      await drain(SITE);
      await drain(SITE, { now: Date.now() + 2 * HOUR });
      const files = await manifestOf(SITE, range);
      expect(files).toHaveLength(1);
      expect(eventIds(await readFiles(files))).toEqual(expected);
      expect((await objectKeys(SITE)).filter((key) => key.includes(`date=${day(dayOffset)}/`))).toEqual(files.map((f) => f.key));
    });
  }

  it('a flush retried after compaction merged its files (its first commit went through, the reply was lost) lists nothing again', async () => {
    const dayOffset = -7;
    const range = `?from=${day(dayOffset)}&to=${day(dayOffset)}`;
    await smallFilesFor(dayOffset, 2, 20);
    // a third batch whose flush commits to the catalog, then loses the reply: the buffer keeps its plan and rows
    const batch = Array.from({ length: 20 }, (_, i) => event({ anonymousId: `late-${i % 4}`, timestamp: at(dayOffset, 9, i) }));
    await ingest(SITE, batch);
    let lost = 0;
    for (const stub of buffersOf(env, SITE)) {
      await runInDurableObject(stub, async (instance: IngestBuffer) => {
        if (instance.bufferedRows() === 0) return;
        await withCatalog(instance, async (method, call) => {
          const result = await call();
          if (method !== 'registerFiles') return result;
          lost++;
          throw new Error('simulated: the catalog committed, the reply was lost');
        }, () => expect(instance.flush()).rejects.toThrow('reply was lost'));
        expect(instance.bufferedRows()).toBeGreaterThan(0);
      });
    }
    expect(lost).toBeGreaterThan(0);
    const expected = eventIds(await readFiles(await manifestOf(SITE, range)));
    expect(expected).toHaveLength(60);

    // compaction merges the day, and the inputs' grace period ends: their objects are deleted
    await lifecycleOf(env, SITE).tick(SITE);
    await drain(SITE);
    await drain(SITE, { now: Date.now() + 2 * HOUR });
    const merged = await manifestOf(SITE, range);
    expect(merged).toHaveLength(1);

    // the buffer retries its saved plan: its keys left the manifest, so they are neither written nor listed again
    await flushSite(SITE);
    for (const stub of buffersOf(env, SITE)) expect(await stub.bufferedRows()).toBe(0);
    const after = await manifestOf(SITE, range);
    expect(after.map((f) => f.key)).toEqual(merged.map((f) => f.key));
    expect(eventIds(await readFiles(after))).toEqual(expected);
    expect((await objectKeys(SITE)).filter((key) => key.includes(`date=${day(dayOffset)}/`))).toEqual(after.map((f) => f.key));
  });

  it('a deferred delete never takes away a file the manifest lists', async () => {
    const dayOffset = -9;
    const range = `?from=${day(dayOffset)}&to=${day(dayOffset)}`;
    await smallFilesFor(dayOffset, 2, 10);
    const listed = await manifestOf(SITE, range);
    const stub = lifecycleOf(env, SITE);
    await stub.tick(SITE);
    // as if a compaction had scheduled its inputs and then lost the manifest switch
    await runInDurableObject(stub, async (_instance: SiteLifecycle, state: DurableObjectState) => {
      for (const file of listed) state.storage.sql.exec(`INSERT INTO deferred_deletes (key, due_at, reason) VALUES (?, 0, 'test')`, file.key);
    });
    await drain(SITE, { maxSteps: 1 });
    for (const file of listed) expect((await SELF.fetch(`${EDGE}/v1/sites/${SITE}/files/${file.key}`, { headers: auth })).status).toBe(200);
    await runInDurableObject(stub, async (_instance: SiteLifecycle, state: DurableObjectState) => {
      expect(state.storage.sql.exec(`SELECT count(*) AS n FROM deferred_deletes WHERE reason = 'test'`).one().n).toBe(0);
    });
  });
});
