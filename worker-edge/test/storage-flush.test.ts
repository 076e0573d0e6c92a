import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { IngestBuffer } from '../src/buffer/ingest-buffer';
import { EVENT_COLUMNS, SCHEMA_VERSION } from '@privacy-analytics/core/schema';
import { decodeParquet, EDGE, flush, manifest, post, READ_TOKEN, readStoredRows, trackMessage } from './helpers';
import { bufferOf } from '../src/stubs';

describe('flush to R2', () => {
  it('writes ZSTD Parquet in Hive layout with every documented column, listed in the manifest', async () => {
    const marker = crypto.randomUUID();
    // five days ago: older than yesterday, inside the ingest horizon
    const at = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 5 * 86_400_000 + (13 * 60 + 45) * 60_000;
    const date = new Date(at).toISOString().slice(0, 10);
    const res = await post('/v1/batch', {
      batch: [
        trackMessage({ event: 'Order Completed', timestamp: new Date(at).toISOString(), properties: { marker, order_id: 'o-1', revenue: '42.50', currency: 'usd', products: [{ product_id: 'p1' }] } }),
        trackMessage({ event: 'Experiment Viewed', timestamp: new Date(at + 1000).toISOString(), properties: { marker, experiment_id: 'checkout_button', variant: 'treatment' } }),
        trackMessage({ type: 'page', event: undefined, timestamp: new Date(at + 2000).toISOString(), properties: { marker, url: 'https://shop.example/p?utm_source=newsletter&utm_medium=email&utm_campaign=bf&secret=1', title: 'Shop', referrer: 'https://www.google.com/search?q=x' } }),
      ],
    });
    expect(await res.json()).toMatchObject({ accepted: 3 });
    const flushed = await flush();
    const mine = flushed.files.filter((f) => f.date === date);
    expect(mine.length).toBeGreaterThan(0);
    // more than a day old: one day-level file per date and shard (not one per hour)
    for (const file of mine) expect(file).toMatchObject({ hour: null, key: expect.stringMatching(new RegExp(`^events/site=demo/date=${date}/s\\d+-f\\d{10}\\.parquet$`)) });

    const object = await env.EVENTS.get(mine[0]!.key);
    const bytes = new Uint8Array(await object!.arrayBuffer());
    expect(new TextDecoder().decode(bytes.slice(0, 4))).toBe('PAR1');
    expect(object!.customMetadata?.schemaVersion).toBe(String(SCHEMA_VERSION));
    const rows = decodeParquet(bytes);
    expect(Object.keys(rows[0]!).sort()).toEqual(EVENT_COLUMNS.map((c) => c.name).sort());

    const stored = (await readStoredRows()).filter((r) => r.properties.includes(marker));
    const order = stored.find((r) => r.event === 'Order Completed')!;
    expect(order).toMatchObject({ order_id: 'o-1', revenue: 42.5, currency: 'USD', timestamp: at, type: 'track', site: 'demo', schema_version: SCHEMA_VERSION });
    expect(JSON.parse(order.properties)).toEqual({ marker, products: [{ product_id: 'p1' }] });
    const exposure = stored.find((r) => r.event === 'Experiment Viewed')!;
    expect(exposure).toMatchObject({ experiment: 'checkout_button', variant: 'treatment' });
    const page = stored.find((r) => r.type === 'page')!;
    expect(page).toMatchObject({
      event: 'page',
      page_path: '/p',
      page_title: 'Shop',
      referrer_host: 'google.com',
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'bf',
      channel: 'email',
    });
    expect(page.page_url).not.toContain('secret');
    expect(page.quality_flags).toContain('query_params_dropped');

    const listed = await manifest('demo', `?from=${date}&to=${date}`);
    expect(listed.files.map((f) => f.key).sort()).toEqual(expect.arrayContaining(mine.map((f) => f.key)));
    expect(listed.files.every((f) => f.date === date)).toBe(true);
  });

  it('schedules an alarm at most 60 s after an append and flushes on it', async () => {
    const marker = crypto.randomUUID();
    const message = trackMessage({ properties: { marker } });
    await post('/v1/track', message);
    const { shardOf } = await import('../src/ingest/ingest-route');
    const { sha256Hex } = await import('@privacy-analytics/core/privacy');
    const shard = shardOf(await sha256Hex(`demo\n${message.messageId as string}`), 2);
    const stub = bufferOf(env, 'demo', shard);
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm! - Date.now()).toBeLessThanOrEqual(60_000);
    await runInDurableObject(stub, (instance: IngestBuffer) => instance.alarm());
    const rows = (await readStoredRows()).filter((r) => r.properties.includes(marker));
    expect(rows).toHaveLength(1);
  });

  it('a flush retried after failing between the R2 write and the manifest update writes no duplicate rows', async () => {
    const marker = crypto.randomUUID();
    const batch = Array.from({ length: 40 }, () => trackMessage({ properties: { marker } }));
    expect(await (await post('/v1/batch', { batch })).json()).toMatchObject({ accepted: 40 });
    for (const shard of [0, 1]) {
      const stub = bufferOf(env, 'demo', shard);
      await runInDurableObject(stub, async (instance: IngestBuffer) => {
        const realEnv = (instance as unknown as { env: typeof env }).env;
        const failingCatalog = {
          idFromName: (name: string) => realEnv.SITE_CATALOG.idFromName(name),
          get: (id: DurableObjectId) => ({
            retiredKeys: (keys: string[]) => realEnv.SITE_CATALOG.get(id).retiredKeys(keys),
            registerFiles: () => Promise.reject(new Error('simulated crash after R2 put')),
          }),
        };
        (instance as unknown as { env: unknown }).env = { ...realEnv, SITE_CATALOG: failingCatalog };
        try {
          await expect(instance.flush()).rejects.toThrow(/simulated crash/);
        } finally {
          (instance as unknown as { env: unknown }).env = realEnv;
        }
      });
    }
    await flush();
    const rows = (await readStoredRows()).filter((r) => r.properties.includes(marker));
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(40);
    const listed = await manifest();
    expect(new Set(listed.files.map((f) => f.key)).size).toBe(listed.files.length);
  });

  it('flushes early when the row threshold is reached', async () => {
    const marker = crypto.randomUUID();
    for (let request = 0; request < 3; request++) {
      const batch = Array.from({ length: 800 }, () => trackMessage({ properties: { marker } }));
      expect((await post('/v1/batch', { batch })).status).toBe(200);
    }
    // 2,400 rows over 2 shards passes FLUSH_MAX_ROWS (1,000) on each: the alarm is due now.
    const stub = bufferOf(env, 'demo', 0);
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm! - Date.now()).toBeLessThanOrEqual(1000);
    // Let the flushes that alarm starts finish before the file ends, or teardown cuts them off mid-RPC.
    await Promise.all([0, 1].map((shard) => bufferOf(env, 'demo', shard).flush()));
  });

  it('sizes flush plans in bytes: a burst of large events is written in several plans', async () => {
    await flush();
    const marker = crypto.randomUUID();
    // strings are cut to 1,024 characters: eight of them make a row of about 8 KB
    const notes = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`note_${i}`, `${'lorem ipsum dolor sit amet '.repeat(37)}`.slice(0, 1000)]));
    const batch = Array.from({ length: 40 }, () => trackMessage({ properties: { marker, ...notes } }));
    expect(await (await post('/v1/batch', { batch })).json()).toMatchObject({ accepted: 40 });
    const flushIds = new Set<string>();
    for (const shard of [0, 1]) {
      await runInDurableObject(bufferOf(env, 'demo', shard), async (instance: IngestBuffer) => {
        const self = instance as unknown as { env: typeof env };
        const realEnv = self.env;
        self.env = { ...realEnv, FLUSH_MAX_BYTES: String(64 * 1024) };
        try {
          const result = await instance.flush();
          for (const file of result.files) flushIds.add(file.key.match(/-f(\d+)/)![1]!);
        } finally {
          self.env = realEnv;
        }
      });
    }
    // 40 rows of several KB over 2 shards: by row count one plan per shard, by bytes several
    expect(flushIds.size).toBeGreaterThan(2);
    const rows = (await readStoredRows()).filter((r) => r.properties.includes(marker));
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(40);
  });

  it('a plan that keeps failing splits itself after three tries; every row is written once', async () => {
    await flush();
    const marker = crypto.randomUUID();
    const batch = Array.from({ length: 30 }, () => trackMessage({ properties: { marker } }));
    expect(await (await post('/v1/batch', { batch })).json()).toMatchObject({ accepted: 30 });
    const sizes = await Promise.all([0, 1].map((shard) => bufferOf(env, 'demo', shard).bufferedRows()));
    const shard = sizes[0]! >= sizes[1]! ? 0 : 1;
    const stub = bufferOf(env, 'demo', shard);
    const written: string[] = [];
    await runInDurableObject(stub, async (instance: IngestBuffer, state: DurableObjectState) => {
      const self = instance as unknown as { env: typeof env };
      const realEnv = self.env;
      const failingBucket = new Proxy(realEnv.EVENTS, {
        get: (target, method: string) => (method === 'put' ? () => Promise.reject(new Error('simulated: the isolate runs out of memory')) : Reflect.get(target, method).bind(target)),
      });
      self.env = { ...realEnv, EVENTS: failingBucket };
      try {
        for (let attempt = 1; attempt <= 3; attempt++) {
          await expect(instance.flush()).rejects.toThrow(/out of memory/);
          expect(instance.flushLag().planAttempts).toBe(attempt);
        }
      } finally {
        self.env = realEnv;
      }
      const failed = JSON.parse(state.storage.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'flush_plan'`).one().value) as { flushId: number };
      const result = await instance.flush();
      expect(instance.bufferedRows()).toBe(0);
      for (const file of result.files) {
        written.push(file.key);
        expect(file.key).not.toMatch(new RegExp(`-f${String(failed.flushId).padStart(10, '0')}`));
      }
    });
    await flush();
    // the failed plan's rows went out in two plans at least (its first half, then the rest)
    expect(new Set(written.map((key) => key.match(/-f(\d+)/)![1])).size).toBeGreaterThanOrEqual(2);
    const rows = (await readStoredRows()).filter((r) => r.properties.includes(marker));
    expect(rows).toHaveLength(30);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(30);
  });

  it("reports each shard's flush lag: the age of its oldest acknowledged event not yet in R2", async () => {
    await flush();
    expect(await (await post('/v1/batch', { batch: [trackMessage({}), trackMessage({})] })).json()).toMatchObject({ accepted: 2 });
    const metrics = async () => (await (await SELF.fetch(`${EDGE}/v1/sites/demo/metrics?minutes=5`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as {
      flushLagSeconds: number;
      shards: { shard: number; bufferedRows: number; oldestUnflushedAt: string | null; flushAttempts: number }[];
    };
    const waiting = await metrics();
    expect(waiting.shards).toHaveLength(2);
    expect(waiting.shards.reduce((n, s) => n + s.bufferedRows, 0)).toBeGreaterThanOrEqual(2);
    expect(waiting.shards.some((s) => s.oldestUnflushedAt !== null && Date.parse(s.oldestUnflushedAt) <= Date.now())).toBe(true);
    await flush();
    const flushed = await metrics();
    expect(flushed.shards.every((s) => s.bufferedRows === 0 && s.oldestUnflushedAt === null)).toBe(true);
    expect(flushed.flushLagSeconds).toBe(0);
  });

  it('remembers event ids in day tables dropped whole after the dedup window (and reads an older single table until then)', async () => {
    const message = trackMessage({});
    const { shardOf } = await import('../src/ingest/ingest-route');
    const { sha256Hex } = await import('@privacy-analytics/core/privacy');
    const stub = bufferOf(env, 'demo', shardOf(await sha256Hex(`demo\n${message.messageId as string}`), 2));
    const send = async () => ((await (await post('/v1/batch', { batch: [message] })).json()) as { accepted: number }).accepted;
    const today = Math.floor(Date.now() / 86_400_000);
    const tables = () => runInDurableObject(stub, (_i, state: DurableObjectState) =>
      state.storage.sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'seen*' ORDER BY name`).toArray().map((r) => r.name));
    const age = (from: number, to: number) => runInDurableObject(stub, (_i, state: DurableObjectState) => {
      state.storage.sql.exec(`CREATE TABLE IF NOT EXISTS seen_d${to} (event_id TEXT PRIMARY KEY) WITHOUT ROWID`);
      state.storage.sql.exec(`INSERT OR IGNORE INTO seen_d${to} SELECT event_id FROM seen_d${from} WHERE event_id LIKE ?`, '%');
      state.storage.sql.exec(`DELETE FROM seen_d${from} WHERE event_id IN (SELECT event_id FROM seen_d${to})`);
    });

    expect(await send()).toBe(1);
    expect(await tables()).toContain(`seen_d${today}`);
    // seen three days ago: still a duplicate
    await age(today, today - 3);
    expect(await send()).toBe(0);
    // seen nine days ago: its day table is dropped at the next flush, and the id is new again
    await age(today - 3, today - 9);
    await flush();
    expect(await tables()).not.toContain(`seen_d${today - 9}`);
    expect(await send()).toBe(1);
    await flush();

    // a buffer of an older version kept one `seen` table with a time column: read until its ids expire
    const legacy = trackMessage({});
    const legacyStub = bufferOf(env, 'demo', shardOf(await sha256Hex(`demo\n${legacy.messageId as string}`), 2));
    const legacyId = await sha256Hex(`demo\n${legacy.messageId as string}`);
    await runInDurableObject(legacyStub, (_i, state: DurableObjectState) => {
      state.storage.sql.exec(`CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY, at INTEGER NOT NULL)`);
      state.storage.sql.exec(`INSERT OR REPLACE INTO seen VALUES (?, ?)`, legacyId, Date.now() - 86_400_000);
    });
    expect(((await (await post('/v1/batch', { batch: [legacy] })).json()) as { accepted: number }).accepted).toBe(0);
    // once its ids are older than the window it is emptied and dropped
    await runInDurableObject(legacyStub, (_i, state: DurableObjectState) => state.storage.sql.exec(`UPDATE seen SET at = ?`, Date.now() - 8 * 86_400_000));
    await flush();
    expect(await runInDurableObject(legacyStub, (_i, state: DurableObjectState) => state.storage.sql.exec(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'seen'`).one().n)).toBe(0);
    expect(((await (await post('/v1/batch', { batch: [legacy] })).json()) as { accepted: number }).accepted).toBe(1);
    await flush();
  });
});
