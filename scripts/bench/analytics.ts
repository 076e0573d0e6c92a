/**
 * Analytics benchmark: funnel (5 steps), retention (weekly, 8 periods), paths (5 steps), a segmentation query and RFM
 * on N demo events, DuckDB-Wasm (Node, blocking bindings: the browser's engine build) beside native
 * DuckDB single-threaded (SET threads=1), running the identical SQL. Demo messages are normalised by
 * the edge's code and written as Parquet by the edge's writer, then loaded the way the CLI loads them. Sizes
 * above 1M that are a multiple of it are 1M generated events in disjoint copies (replicate-events.ts).
 *
 *   const rows = await benchAnalytics({ events: 1_000_000 });  // rows for a markdown table
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messagesToRows } from '@privacy-analytics/core/ingest';
import { identityHasher } from '@privacy-analytics/core/privacy';
import type { EventRow } from '@privacy-analytics/core/schema';
import { buildPersonMap, runAnalysis, type AnalysisName } from '@privacy-analytics/core/analytics';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
import { encodeRows, errorMessage, openNativeStore, openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { countryOf } from '../analyze/inputs';
import { replicateEvents } from './replicate-events';

export interface AnalyticsBenchOptions {
  events: number;
  seed?: number;
  /** Days the demo data spans (default 90). */
  days?: number;
  start?: Date;
  /** Timed runs per query after one warm-up run; the median is reported (default 3). */
  repeats?: number;
  log?: (line: string) => void;
}

export interface AnalyticsBenchRow {
  query: string;
  events: number;
  wasmMs: number;
  nativeMs: number;
  /** wasmMs / nativeMs. */
  ratio: number;
  /** why a measurement has no time (NaN), e.g. "out of memory" */
  failure?: string;
}

export const BENCH_QUERIES: { name: string; analysis: AnalysisName; spec: unknown }[] = [
  {
    name: 'funnel, 5 steps (sequential, 14 days, persons)',
    analysis: 'funnel',
    spec: { steps: [{ event: 'page' }, { event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Checkout Started' }, { event: 'Order Completed' }] },
  },
  {
    name: 'retention, weekly, 8 periods',
    analysis: 'retention',
    spec: { startEvent: { event: 'page' }, returnEvent: { event: 'page' }, period: 'week', periods: 8 },
  },
  { name: 'paths after a page view, 5 steps', analysis: 'paths', spec: { start: { event: 'page' }, steps: 5 } },
  {
    name: 'segment: 3+ orders in 30 days AND prefers beauty AND country CN',
    analysis: 'segment',
    spec: {
      condition: {
        and: [
          { type: 'behaviour', event: 'Order Completed', atLeast: 3, withinDays: 30 },
          { type: 'tag', tag: 'preferred_category', op: 'eq', value: 'beauty' },
          { type: 'property', property: 'country', op: 'eq', value: 'CN' },
        ],
      },
    },
  },
  { name: 'RFM (scores and tiers)', analysis: 'rfm', spec: { order: { event: 'Order Completed' }, revenueProperty: 'revenue' } },
];

const CHUNK = 100_000;

/** The most events generated one by one; larger sizes that are a multiple of it are copies (see replicateEvents). */
const GENERATED_MAX = 1_000_000;

/**
 * The demo events as Parquet files into `dir`; returns the paths. Up to GENERATED_MAX events they are generated
 * (CHUNK rows per file); a multiple of that is GENERATED_MAX generated events in disjoint copies.
 */
async function writeDemoParquet(dir: string, options: AnalyticsBenchOptions): Promise<string[]> {
  if (options.events <= GENERATED_MAX || options.events % GENERATED_MAX !== 0) return generateDemoParquet(dir, options);
  const base = await mkdtemp(join(tmpdir(), 'pa-bench-analytics-base-'));
  try {
    const files = await generateDemoParquet(base, { ...options, events: GENERATED_MAX });
    return await replicateEvents(files, options.events / GENERATED_MAX, dir);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

/** Generates the demo events and writes them as Parquet files of CHUNK rows into `dir`; returns the paths. */
async function generateDemoParquet(dir: string, options: AnalyticsBenchOptions): Promise<string[]> {
  const paths: string[] = [];
  let rows: EventRow[] = [];
  const flush = async () => {
    const path = join(dir, `part-${String(paths.length).padStart(4, '0')}.parquet`);
    await writeFile(path, encodeRows(rows));
    paths.push(path);
    rows = [];
  };
  const messages = generateDemoEvents({ seed: options.seed ?? 7, events: options.events, start: options.start ?? new Date('2026-08-01T00:00:00Z'), days: options.days ?? 90 });
  const outcomes = messagesToRows(
    messages,
    (raw) => ({ receivedAt: Date.parse(String(raw.timestamp)), ...countryOf(raw), requestUserAgent: null }),
    { site: 'demo', hasher: identityHasher, queryParams: [], scrub: false },
  );
  for await (const outcome of outcomes) {
    if (outcome.kind === 'row') rows.push(outcome.row);
    if (rows.length >= CHUNK) await flush();
  }
  if (rows.length) await flush();
  return paths;
}

/**
 * The time of one run when `repeats` is 0, else the median of `repeats` runs after one warm-up. `untimed` is a
 * running total of milliseconds not to count (it may grow during a run; what it grew by is taken out).
 */
export async function timed(run: () => Promise<unknown>, repeats: number, untimed: () => number = () => 0): Promise<number> {
  const once = async () => {
    const began = performance.now();
    const skipped = untimed();
    await run();
    return performance.now() - began - (untimed() - skipped);
  };
  if (repeats === 0) return once();
  await run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await once());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function benchAnalytics(options: AnalyticsBenchOptions): Promise<AnalyticsBenchRow[]> {
  const log = options.log ?? (() => {});
  const repeats = options.repeats ?? 3;
  const dir = await mkdtemp(join(tmpdir(), 'pa-bench-analytics-'));
  let wasm: EventStore | undefined;
  let native: EventStore | undefined;
  try {
    let began = performance.now();
    const files = await writeDemoParquet(dir, options);
    log(`[bench] ${options.events.toLocaleString('en-US')} demo events as ${files.length} Parquet files in ${((performance.now() - began) / 1000).toFixed(1)} s`);
    wasm = await openWasmStore();
    native = await openNativeStore({ threads: 1 });
    const rows: AnalyticsBenchRow[] = [];
    const loadTimes: Record<string, number> = {};
    for (const store of [wasm, native]) {
      began = performance.now();
      await store.resetEvents();
      await store.loadParquetFiles(files);
      loadTimes[store.kind] = performance.now() - began;
    }
    rows.push(row('load Parquet into DuckDB', options.events, loadTimes.wasm!, loadTimes.native!));
    const identity = [await timed(() => buildPersonMap(wasm!), 0), await timed(() => buildPersonMap(native!), 0)];
    rows.push(row('identity map (connected components)', options.events, identity[0]!, identity[1]!));
    for (const query of BENCH_QUERIES) {
      const wasmRun = await attempt(() => timed(() => runAnalysis(query.analysis, wasm!, query.spec), repeats));
      const nativeRun = await attempt(() => timed(() => runAnalysis(query.analysis, native!, query.spec), repeats));
      rows.push({ ...row(query.name, options.events, wasmRun.ms, nativeRun.ms), ...(wasmRun.error || nativeRun.error ? { failure: wasmRun.error ?? nativeRun.error } : {}) });
      log(`[bench] ${query.name}: wasm ${wasmRun.error ?? `${wasmRun.ms.toFixed(0)} ms`}, native ${nativeRun.error ?? `${nativeRun.ms.toFixed(0)} ms`}`);
    }
    return rows;
  } finally {
    await wasm?.close();
    await native?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A measurement that may fail, as DuckDB-Wasm does on some analyses of 10M events (its heap is 4 GB): the failure is
 * a result of the benchmark, reported in its row rather than ending the run.
 */
async function attempt(measure: () => Promise<number>): Promise<{ ms: number; error?: string }> {
  try {
    return { ms: await measure() };
  } catch (error) {
    const message = errorMessage(error);
    return { ms: Number.NaN, error: /out of memory/i.test(message) ? 'out of memory' : message.split('\n')[0]!.slice(0, 120) };
  }
}

function row(query: string, events: number, wasmMs: number, nativeMs: number): AnalyticsBenchRow {
  return { query, events, wasmMs, nativeMs, ratio: nativeMs === 0 ? Number.NaN : wasmMs / nativeMs };
}

/** The rows as a markdown table. */
export function analyticsMarkdown(rows: readonly AnalyticsBenchRow[]): string {
  return [
    '| query | events | DuckDB-Wasm (Node) | native DuckDB, 1 thread | ratio |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const time = (ms: number) => (Number.isNaN(ms) ? `failed: ${r.failure}` : `${ms.toFixed(0)} ms`);
      return `| ${r.query} | ${r.events.toLocaleString('en-US')} | ${time(r.wasmMs)} | ${time(r.nativeMs)} | ${Number.isNaN(r.ratio) ? '–' : `${r.ratio.toFixed(2)}x`} |`;
    }),
  ].join('\n');
}
