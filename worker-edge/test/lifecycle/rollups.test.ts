import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { tableFromIPC } from '@uwdata/flechette';
import * as parquetWasm from 'parquet-wasm/esm/parquet_wasm.js';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
import { manifestResponseSchema, type ManifestEntry } from '@privacy-analytics/core/edge-api';
import type { OverviewSpec } from '@privacy-analytics/core/analytics';
import type { EventRow } from '@privacy-analytics/core/schema';
import { compareOverviews, overviewFromRollups, overviewReference, rollupKeyOf, rollupRows, SESSION_TOLERANCE, toRollupRow, type RollupRow } from '@privacy-analytics/core/rollups';
import { parquetForWorkers } from '../../src/storage/parquet-wasm-workers';
import { decodeParquet, EDGE } from '../helpers';
import { adminCall, at, drain, flushSite, ingest, siteTokens, storeBypassingHorizon } from './lifecycle-helpers';
import { lifecycleOf } from '../../src/stubs';

const SITE = 'rollups';
const auth = { authorization: `Bearer ${siteTokens(SITE).read}` };
const day = (offset: number) => at(offset, 0).slice(0, 10);
const HOUR = 3_600_000;

async function manifest(): Promise<ManifestEntry[]> {
  const res = await SELF.fetch(`${EDGE}/v1/sites/${SITE}/manifest`, { headers: auth });
  expect(res.status).toBe(200);
  // Clients parse the answer with core's schema: the optional rollup of each entry included.
  return manifestResponseSchema.parse(await res.json()).files;
}

async function download(key: string): Promise<Uint8Array> {
  const res = await SELF.fetch(`${EDGE}/v1/sites/${SITE}/files/${key}`, { headers: auth });
  if (res.status !== 200) throw new Error(`GET ${key}: ${res.status} ${await res.text()}`);
  return new Uint8Array(await res.arrayBuffer());
}

function decodeRollup(bytes: Uint8Array): RollupRow[] {
  parquetForWorkers();
  const table = parquetWasm.readParquet(bytes);
  return tableFromIPC(table.intoIPCStream(), { useDate: false, useBigInt: false }).toArray().map((r) => toRollupRow(r as Record<string, unknown>));
}

/** Every event file and its rollup as a dashboard reads them: the manifest, then the files endpoint. */
async function readAll(): Promise<{ files: ManifestEntry[]; rows: EventRow[]; rollups: RollupRow[] }> {
  const files = await manifest();
  const rows: EventRow[] = [];
  const rollups: RollupRow[] = [];
  for (const file of files) {
    const fileRows = decodeParquet(await download(file.key));
    expect(file.rollup, `${file.key} has no rollup`).toBeDefined();
    expect(file.rollup!.key).toBe(rollupKeyOf(file.key));
    const bytes = await download(file.rollup!.key);
    expect(bytes.byteLength).toBe(file.rollup!.bytes);
    const fileRollup = decodeRollup(bytes);
    // Written from the same rows: the rollup is exactly the rollup of the file's rows.
    expect(fileRollup).toEqual(rollupRows(fileRows));
    rows.push(...fileRows);
    rollups.push(...fileRollup);
  }
  return { files, rows, rollups };
}

async function storedKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.EVENTS.list({ prefix: `${prefix}/site=${SITE}/`, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys.sort();
}

/** Demo events of three days (4 to 2 days ago), as Segment messages. */
function demoMessages(): Record<string, unknown>[] {
  const start = new Date(Date.parse(`${day(-4)}T00:00:00Z`));
  return [...generateDemoEvents({ seed: 3, events: 3000, start, days: 3 })].map((m) => JSON.parse(JSON.stringify(m)) as Record<string, unknown>);
}

describe('rollups', { timeout: 240_000 }, () => {
  it('are written on flush, replaced on compaction, recomputed on erasure, and equal the raw overview on demo data', async () => {
    const messages = demoMessages();
    await ingest(SITE, messages);
    await flushSite(SITE);
    const spec = (over: Partial<OverviewSpec> = {}): OverviewSpec => ({ from: day(-4), to: day(-2), filters: [], granularity: 'day', ...over });

    // Flush: one rollup per event file (days more than a day old: one day-level file per date and shard), served to
    // readers like the event files.
    const flushed = await readAll();
    expect(flushed.files.length).toBeGreaterThanOrEqual(3);
    expect(flushed.files.every((f) => f.hour === null)).toBe(true);
    expect(await storedKeys('rollups')).toEqual(flushed.files.map((f) => f.rollup!.key).sort());
    for (const s of [spec(), spec({ granularity: 'hour', topN: 20 })]) {
      const report = compareOverviews(overviewReference(flushed.rows, s), overviewFromRollups(flushed.rollups, s));
      expect(report.problems).toEqual([]);
      // Flush files split sessions between flushes and shards: counted, not bounded (docs/rollups.md).
      console.log(`flush files: sessions ${JSON.stringify(report.sessions)}`);
    }

    // Compaction: each finished day becomes one day-level file with one rollup; the flush files' rollups go with them.
    await lifecycleOf(env, SITE).tick(SITE);
    await drain(SITE);
    await drain(SITE, { now: Date.now() + 2 * HOUR });
    const compacted = await readAll();
    expect(compacted.files.map((f) => [f.date, f.hour])).toEqual([day(-4), day(-3), day(-2)].map((d) => [d, null]));
    expect(await storedKeys('rollups')).toEqual(compacted.files.map((f) => f.rollup!.key).sort());
    expect(await storedKeys('events')).toEqual(compacted.files.map((f) => f.key).sort());
    for (const s of [spec(), spec({ granularity: 'hour' }), spec({ granularity: 'week', from: day(-3), to: day(-3) })]) {
      const report = compareOverviews(overviewReference(compacted.rows, s), overviewFromRollups(compacted.rollups, s));
      expect(report.problems).toEqual([]);
      console.log(`day-level files: ${JSON.stringify(report.sessions)} bounce ${JSON.stringify(report.bounceRate)}`);
      expect(Math.abs(report.sessions.relative)).toBeLessThan(SESSION_TOLERANCE.daily.sessions);
      expect(Math.abs(report.bounceRate.difference)).toBeLessThan(SESSION_TOLERANCE.daily.bounceRate);
      expect(Math.abs(report.avgSessionSeconds.relative)).toBeLessThan(SESSION_TOLERANCE.daily.avgSessionSeconds);
    }

    // Erasure: the rewritten files' rollups are recomputed; the person's events and visits leave them.
    const buyer = messages.find((m) => m.event === 'Order Completed' && typeof m.userId === 'string')!;
    const before = overviewFromRollups(compacted.rollups, spec());
    const requested = await adminCall(SITE, 'POST', '/erasure', { userId: buyer.userId });
    expect(requested.status).toBe(202);
    await drain(SITE);
    await drain(SITE, { now: Date.now() + 2 * HOUR });
    const erased = await readAll();
    expect(erased.files.length).toBe(3);
    expect(erased.files.some((f) => f.key.includes('-e'))).toBe(true);
    expect(await storedKeys('rollups')).toEqual(erased.files.map((f) => f.rollup!.key).sort());
    const after = overviewFromRollups(erased.rollups, spec());
    const removed = compacted.rows.length - erased.rows.length;
    expect(removed).toBeGreaterThan(0);
    expect(after.kpis.events).toBe(before.kpis.events - removed);
    expect(after.kpis.orders).toBeLessThan(before.kpis.orders);
    expect(compareOverviews(overviewReference(erased.rows, spec()), after).problems).toEqual([]);
  });

  it('deletes rollups with their files when retention expires a date', async () => {
    // Day -50 is past the ingest horizon: stored straight into the buffer, as events accepted before retention was lowered.
    const retained = (d: number) => [3, 15].map((hour) => ({ type: 'page', anonymousId: `r${d}`, messageId: `ret-${d}-${hour}`, timestamp: at(d, hour), properties: { path: '/' } }));
    await storeBypassingHorizon(SITE, retained(-50));
    await ingest(SITE, retained(-1));
    await flushSite(SITE);
    expect((await storedKeys('rollups')).some((k) => k.includes(`date=${day(-50)}/`))).toBe(true);
    const set = await adminCall(SITE, 'PUT', '/settings/retention', { retentionDays: 30, confirm: true, override: true, reason: 'test: expire day -50' });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    await lifecycleOf(env, SITE).tick(SITE);
    await drain(SITE);
    expect((await storedKeys('rollups')).some((k) => k.includes(`date=${day(-50)}/`))).toBe(false);
    expect((await storedKeys('events')).some((k) => k.includes(`date=${day(-50)}/`))).toBe(false);
    expect((await storedKeys('rollups')).some((k) => k.includes(`date=${day(-1)}/`))).toBe(true);
  });
});
