import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '@privacy-analytics/core/privacy';
import { DAY_MS } from '@privacy-analytics/core/time';
import { dedupBucketMs, dedupTableAt, dedupTableEnd } from '../../src/buffer/dedup-tables';
import { ConfigError, runtimeSettings } from '../../src/config/sites';
import { shardOf } from '../../src/ingest/ingest-route';
import { bufferOf } from '../../src/stubs';
import { EDGE, flush, post, READ_TOKEN, trackMessage } from '../helpers';

describe('DEDUP_HORIZON_SECONDS', () => {
  it('defaults to 7 days and takes an integer from 60 to 2592000', () => {
    expect(runtimeSettings({ ...env, DEDUP_HORIZON_SECONDS: '' }).dedupHorizonMs).toBe(7 * DAY_MS);
    expect(runtimeSettings({ ...env, DEDUP_HORIZON_SECONDS: '604800' }).dedupHorizonMs).toBe(7 * DAY_MS);
    expect(runtimeSettings({ ...env, DEDUP_HORIZON_SECONDS: '60' }).dedupHorizonMs).toBe(60_000);
    expect(runtimeSettings({ ...env, DEDUP_HORIZON_SECONDS: '2592000' }).dedupHorizonMs).toBe(30 * DAY_MS);
    for (const bad of ['59', '2592001', '1.5', 'a week', '-604800']) {
      expect(() => runtimeSettings({ ...env, DEDUP_HORIZON_SECONDS: bad })).toThrow(ConfigError);
      expect(() => runtimeSettings({ ...env, DEDUP_HORIZON_SECONDS: bad })).toThrow(`DEDUP_HORIZON_SECONDS must be an integer from 60 to 2592000, got "${bad}"`);
    }
  });

  it('buckets are a seventh of the horizon; the default keeps the day tables of older versions', () => {
    const now = Date.UTC(2026, 10, 20, 13, 45, 10);
    expect(dedupBucketMs(7 * DAY_MS)).toBe(DAY_MS);
    expect(dedupTableAt(now, DAY_MS)).toBe(`seen_d${Math.floor(now / DAY_MS)}`);
    expect(dedupTableEnd(dedupTableAt(now, DAY_MS))).toBe((Math.floor(now / DAY_MS) + 1) * DAY_MS);
    // 150 s: buckets of 22 s (rounded up to whole seconds)
    expect(dedupBucketMs(150_000)).toBe(22_000);
    const table = dedupTableAt(now, 22_000);
    expect(table).toBe(`seen_b22_${Math.floor(now / 22_000)}`);
    expect(dedupTableEnd(table)).toBeGreaterThan(now);
    expect(dedupTableEnd(table)! - now).toBeLessThanOrEqual(22_000);
    expect(dedupTableEnd('seen')).toBeNull();
    expect(dedupTableEnd('seen_dx')).toBeNull();
  });

  it('appends with a full horizon of day tables: Durable Object SQLite compiles at most 5 terms of a compound SELECT', async () => {
    const message = trackMessage({});
    const eventId = await sha256Hex(`demo\n${message.messageId as string}`);
    const stub = bufferOf(env, 'demo', shardOf(eventId, 2));
    const today = Math.floor(Date.now() / DAY_MS);
    // the 7 earlier day tables a shard holds after a week of traffic (days today-7 .. today-1), the oldest holding this id
    await runInDurableObject(stub, (_i, state: DurableObjectState) => {
      for (let day = today - 7; day < today; day++) state.storage.sql.exec(`CREATE TABLE IF NOT EXISTS seen_d${day} (event_id TEXT PRIMARY KEY) WITHOUT ROWID`);
      state.storage.sql.exec(`INSERT OR IGNORE INTO seen_d${today - 7} VALUES (?)`, eventId);
    });
    const answer = await post('/v1/batch', { batch: [message, trackMessage({})] });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ accepted: 1, duplicates: 1 });
    await flush();
  });

  it('a short horizon drops its bucket tables after it and keeps reading tables made under another horizon', async () => {
    const horizonSeconds = 700; // buckets of 100 s
    const message = trackMessage({});
    const eventId = await sha256Hex(`demo\n${message.messageId as string}`);
    const shard = shardOf(eventId, 2);
    const stub = bufferOf(env, 'demo', shard);
    const setHorizon = (value: string | undefined) =>
      runInDurableObject(stub, (instance) => {
        const self = instance as unknown as { env: typeof env };
        self.env = { ...env, DEDUP_HORIZON_SECONDS: value ?? env.DEDUP_HORIZON_SECONDS };
      });
    const send = async (m: Record<string, unknown>) => ((await (await post('/v1/batch', { batch: [m] })).json()) as { accepted: number }).accepted;
    const tables = () => runInDurableObject(stub, (_i, state: DurableObjectState) =>
      state.storage.sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'seen*' ORDER BY name`).toArray().map((r) => r.name));
    const moveIds = (from: string, to: string) => runInDurableObject(stub, (_i, state: DurableObjectState) => {
      state.storage.sql.exec(`CREATE TABLE IF NOT EXISTS ${to} (event_id TEXT PRIMARY KEY) WITHOUT ROWID`);
      state.storage.sql.exec(`INSERT OR IGNORE INTO ${to} SELECT event_id FROM ${from}`);
      state.storage.sql.exec(`DROP TABLE ${from}`);
    });

    await flush();
    await setHorizon(String(horizonSeconds));
    try {
      const sentAt = Date.now();
      expect(await send(message)).toBe(1);
      const bucket = (await tables()).find((t) => t.startsWith('seen_b100_'))!;
      expect(Number(bucket.slice('seen_b100_'.length))).toBeGreaterThanOrEqual(Math.floor(sentAt / 100_000));
      expect(await send(message)).toBe(0);

      // /metrics shows the ids and the shard's database size
      const metrics = (await (await SELF.fetch(`${EDGE}/v1/sites/demo/metrics?minutes=5`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).json()) as {
        shards: { shard: number; storageBytes: number; dedupTables: number; dedupIds: number }[];
      };
      const mine = metrics.shards.find((s) => s.shard === shard)!;
      expect(mine.storageBytes).toBeGreaterThan(0);
      expect(mine.dedupIds).toBeGreaterThanOrEqual(1);
      expect(mine.dedupTables).toBeGreaterThanOrEqual(1);

      // first seen in a bucket that ended more than the horizon ago: dropped at the next flush, the id is new again
      const expired = `seen_b100_${Math.floor((Date.now() - horizonSeconds * 1000) / 100_000) - 1}`;
      await moveIds(bucket, expired);
      expect(await send(message)).toBe(0);
      await flush();
      expect(await tables()).not.toContain(expired);
      expect(await send(message)).toBe(1);

      // an id in today's day table (made under the 7-day horizon) is still a duplicate, and that table is kept
      const other = trackMessage({});
      const otherId = await sha256Hex(`demo\n${other.messageId as string}`);
      const otherStub = bufferOf(env, 'demo', shardOf(otherId, 2));
      const dayTable = `seen_d${Math.floor(Date.now() / DAY_MS)}`;
      await runInDurableObject(otherStub, (instance, state: DurableObjectState) => {
        (instance as unknown as { env: typeof env }).env = { ...env, DEDUP_HORIZON_SECONDS: String(horizonSeconds) };
        state.storage.sql.exec(`CREATE TABLE IF NOT EXISTS ${dayTable} (event_id TEXT PRIMARY KEY) WITHOUT ROWID`);
        state.storage.sql.exec(`INSERT OR IGNORE INTO ${dayTable} VALUES (?)`, otherId);
      });
      expect(await send(other)).toBe(0);
      await flush();
      expect(await runInDurableObject(otherStub, (_i, state: DurableObjectState) => state.storage.sql.exec(`SELECT count(*) AS n FROM sqlite_master WHERE name = ?`, dayTable).one().n)).toBe(1);
      await runInDurableObject(otherStub, (instance) => {
        (instance as unknown as { env: typeof env }).env = env;
      });
    } finally {
      await setHorizon(undefined);
    }
    await flush();
  });
});
