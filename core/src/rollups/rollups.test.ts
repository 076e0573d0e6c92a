import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as parquetWasm from 'parquet-wasm/node';
import { tableFromIPC } from '@uwdata/flechette';
import { generateDemoEvents } from '../demo-data/generate';
import { messagesToRows, factsFromMessageTime } from '../ingest/messages-to-rows';
import { HmacIdHasher } from '../privacy/keyed-hash';
import type { EventRow } from '../schema/event-columns';
import { encodeRows } from '../connectors/node/encode-rows';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import type { EventStore } from '../connectors/node/event-store';
import { runOverview, type OverviewSpec } from '../analytics/overview';
import type { ParquetWasm } from '../parquet/parquet-writer';
import { partitionOf } from '../parquet/partition-key';
import { DistinctSketch, sketchStandardError } from './distinct-sketch';
import { manifestEntrySchema } from '../edge-api/wire-schemas';
import { overviewFromRollups, rollupsCannotAnswer } from './overview-from-rollups';
import { encodeRollupParquet, rollupKeyOf, toRollupRow } from './rollup-parquet';
import { pageHost, rollupRows, type RollupRow } from './rollup-rows';
import { compareOverviews, SESSION_TOLERANCE } from './compare-overviews';
import { overviewReference } from './overview-reference';

const parquet = parquetWasm as unknown as ParquetWasm;
const hex = (n: number) => new HmacIdHasher('sketch-test').hashId(`id-${n}`);

describe('DistinctSketch', () => {
  it('is exact while sparse, and merges to the union', async () => {
    const ids = await Promise.all(Array.from({ length: 1000 }, (_, i) => hex(i)));
    const a = DistinctSketch.of(ids.slice(0, 600));
    const b = DistinctSketch.of(ids.slice(400));
    expect(a.estimate()).toBe(600);
    expect(a.isExact).toBe(true);
    expect(new DistinctSketch().merge(a).merge(b).estimate()).toBe(1000);
    expect(DistinctSketch.decode(a.encode()).estimate()).toBe(600);
    expect(a.encode().length).toBe(2 + 600 * 4);
    expect(DistinctSketch.of(['x', 'y', 'x']).estimate()).toBe(2);
  });

  it.each([5_000, 50_000, 300_000])('turns dense and estimates %i ids within 3 standard errors', (n) => {
    const sketch = new DistinctSketch();
    for (let i = 0; i < n; i++) sketch.add(`person-${i}-${(i * 2654435761) >>> 0}`);
    expect(sketch.isExact).toBe(false);
    expect(sketch.encode().length).toBe(2 + 4096);
    expect(Math.abs(sketch.estimate() - n) / n).toBeLessThan(3 * sketchStandardError());
    const half = new DistinctSketch();
    const other = new DistinctSketch();
    for (let i = 0; i < n; i++) (i % 2 ? half : other).add(`person-${i}-${(i * 2654435761) >>> 0}`);
    expect(half.merge(other).encode()).toEqual(sketch.encode());
    expect(new DistinctSketch().mergeBytes(other.encode()).mergeBytes(half.encode()).estimate()).toBe(sketch.estimate());
  });

  it('refuses bytes that are not a sketch', () => {
    expect(() => DistinctSketch.decode(new Uint8Array([2, 12, 1]))).toThrow('not a sketch');
    expect(() => new DistinctSketch().mergeBytes(new DistinctSketch(10).encode())).toThrow('cannot merge precision 10');
  });
});

describe('the manifest entry', () => {
  const entry = { key: 'events/site=demo/date=2026-03-01/hour=09/s0-f1.parquet', date: '2026-03-01', hour: 9, bytes: 10, rows: 1, minTime: 't', maxTime: 't', etag: 'e', createdAt: 't' };
  it('parses with and without a rollup (files written before rollups have none)', () => {
    expect(manifestEntrySchema.parse(entry).rollup).toBeUndefined();
    const rollup = { key: rollupKeyOf(entry.key), bytes: 5, etag: 'r' };
    expect(manifestEntrySchema.parse({ ...entry, rollup }).rollup).toEqual(rollup);
    expect(manifestEntrySchema.safeParse({ ...entry, rollup: { ...rollup, key: entry.key } }).success).toBe(false);
  });
});

describe('rollup keys and page hosts', () => {
  it('puts a rollup beside its event file under rollups/', () => {
    expect(rollupKeyOf('events/site=demo/date=2026-03-01/hour=09/s0-f1.parquet')).toBe('rollups/site=demo/date=2026-03-01/hour=09/s0-f1.parquet');
    expect(() => rollupKeyOf('rollups/x')).toThrow();
  });
  it('derives the page host as the overview SQL does', () => {
    expect(pageHost('https://WWW.Shop.example.com:8443/a?b')).toBe('shop.example.com');
    expect(pageHost('not a url')).toBe('');
  });
});

/** Demo events as the edge stores them: normalised, ids keyed-hashed. */
async function demoRows(events: number, days: number): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  const messages = generateDemoEvents({ seed: 11, events, days, start: new Date('2026-10-24T00:00:00Z') });
  for await (const outcome of messagesToRows(messages, (raw) => factsFromMessageTime(raw), { site: 'demo', hasher: new HmacIdHasher('demo-key'), queryParams: [], scrub: false })) {
    if (outcome.kind === 'row') rows.push(outcome.row);
  }
  return rows;
}

function decodeRollup(bytes: Uint8Array): RollupRow[] {
  const table = parquetWasm.readParquet(bytes);
  return tableFromIPC(table.intoIPCStream(), { useDate: false, useBigInt: false }).toArray().map((r) => toRollupRow(r as Record<string, unknown>));
}

/** Rollups of the demo rows split into files as the edge splits them, through Parquet and back. */
function rollupsOfFiles(files: EventRow[][]): { rows: RollupRow[]; bytes: number } {
  const rows: RollupRow[] = [];
  let bytes = 0;
  for (const file of files) {
    const encoded = encodeRollupParquet(rollupRows(file), parquet);
    bytes += encoded.byteLength;
    rows.push(...decodeRollup(encoded));
  }
  return { rows, bytes };
}

function groupBy(rows: readonly EventRow[], key: (row: EventRow) => string): EventRow[][] {
  const groups = new Map<string, EventRow[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return [...groups.values()];
}

describe('overview from rollups on demo data', { timeout: 240_000 }, () => {
  let store: EventStore;
  let rows: EventRow[];
  const spec = (over: Partial<OverviewSpec> = {}): OverviewSpec => ({ from: '2026-10-24', to: '2026-11-06', filters: [], granularity: 'day', ...over });

  beforeAll(async () => {
    rows = await demoRows(60_000, 14);
    store = await openNativeStore();
    await store.resetEvents();
    await store.loadParquetBytes(encodeRows(rows), 'demo');
  });
  afterAll(() => store?.close());

  it.each(['hour', 'day', 'week'] as const)('equals the raw overview with daily files (compacted), %s buckets', async (granularity) => {
    const raw = await runOverview(store, spec({ granularity }));
    const daily = rollupsOfFiles(groupBy(rows, (r) => partitionOf(r.timestamp).date));
    const fromRollups = overviewFromRollups(daily.rows, spec({ granularity }));
    const report = compareOverviews(raw, fromRollups);
    console.log(`daily files, ${granularity}: ${JSON.stringify({ sessions: report.sessions, bounceRate: report.bounceRate, avgSessionSeconds: report.avgSessionSeconds })}`);
    expect(report.problems).toEqual([]);
    expect(Math.abs(report.sessions.relative)).toBeLessThan(SESSION_TOLERANCE.daily.sessions);
    expect(Math.abs(report.bounceRate.difference)).toBeLessThan(SESSION_TOLERANCE.daily.bounceRate);
    expect(Math.abs(report.avgSessionSeconds.relative)).toBeLessThan(SESSION_TOLERANCE.daily.avgSessionSeconds);
  });

  it('equals the raw overview with hour-level files (hour compaction), and a sub-range', async () => {
    const hourly = rollupsOfFiles(groupBy(rows, (r) => `${partitionOf(r.timestamp).date}/${partitionOf(r.timestamp).hour}`));
    for (const s of [spec(), spec({ from: '2026-10-30', to: '2026-11-01', granularity: 'hour', topN: 25 })]) {
      const report = compareOverviews(await runOverview(store, s), overviewFromRollups(hourly.rows, s));
      console.log(`hour-level files ${s.from}..${s.to}: ${JSON.stringify({ sessions: report.sessions, bounceRate: report.bounceRate, avgSessionSeconds: report.avgSessionSeconds })}`);
      expect(report.problems).toEqual([]);
      expect(Math.abs(report.sessions.relative)).toBeLessThan(SESSION_TOLERANCE.hourly.sessions);
      expect(Math.abs(report.bounceRate.difference)).toBeLessThan(SESSION_TOLERANCE.hourly.bounceRate);
      expect(Math.abs(report.avgSessionSeconds.relative)).toBeLessThan(SESSION_TOLERANCE.hourly.avgSessionSeconds);
    }
  });

  it('equals the raw overview in counts and distinct counts with flush files of two shards; sessions are fragments', async () => {
    const flushed = rollupsOfFiles(groupBy(rows, (r) => `${partitionOf(r.timestamp).date}/${partitionOf(r.timestamp).hour}/${Number.parseInt(r.event_id.slice(0, 8), 16) % 2}`));
    const report = compareOverviews(await runOverview(store, spec()), overviewFromRollups(flushed.rows, spec()));
    console.log(`flush files of two shards: ${JSON.stringify({ sessions: report.sessions, bounceRate: report.bounceRate, avgSessionSeconds: report.avgSessionSeconds })}`);
    expect(report.problems).toEqual([]);
    expect(report.sessions.relative).toBeGreaterThan(0);
  });

  it.each(['hour', 'day', 'week'] as const)('the TypeScript reference (the raw figures in workerd) equals the SQL exactly, %s buckets', async (granularity) => {
    const s = spec({ granularity, topN: 15 });
    const sql = await runOverview(store, s);
    const reference = overviewReference(rows, s);
    expect(reference).toEqual({
      ...sql,
      kpis: { ...sql.kpis, revenue: expect.closeTo(sql.kpis.revenue, 6), avgSessionSeconds: expect.closeTo(sql.kpis.avgSessionSeconds!, 9) },
    });
  });

  it('answers only specs without filters and with the default purchase event', () => {
    expect(rollupsCannotAnswer(spec())).toBeNull();
    expect(rollupsCannotAnswer(spec({ filters: [{ column: 'country', op: 'eq', values: ['DE'] }] }))).toMatch(/filter/);
    expect(rollupsCannotAnswer(spec({ purchaseEvent: 'Signed Up' }))).toMatch(/purchase/);
    expect(() => overviewFromRollups([], spec({ purchaseEvent: 'Signed Up' }))).toThrow();
  });

  it('measures the rollup size against the event files', () => {
    const events = groupBy(rows, (r) => partitionOf(r.timestamp).date).reduce((n, f) => n + encodeRows(f).byteLength, 0);
    const daily = rollupsOfFiles(groupBy(rows, (r) => partitionOf(r.timestamp).date));
    console.log(`rollups of ${rows.length} demo events in daily files: ${daily.bytes} bytes (${daily.rows.length} rows), events ${events} bytes`);
    expect(daily.bytes).toBeLessThan(events);
  });
});
