/**
 * Analytics benchmark: funnel (5 steps), retention (weekly, 8 periods), paths (5 steps), a segmentation query and RFM
 * on N demo events, DuckDB-Wasm (Node, blocking bindings: the browser's engine build) beside native
 * DuckDB single-threaded (SET threads=1), running the identical SQL. The events are the test harness's demo data
 * (harness/demo-store.ts: the edge's normaliser and Parquet writer), loaded the way the CLI loads them. Sizes
 * above 1M that are a multiple of it are 1M generated events in disjoint copies (replicate-events.ts).
 *
 *   const rows = await benchAnalytics({ events: 1_000_000 });  // rows for a markdown table
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPersonMap, runAnalysis, type AnalysisName } from '@privacy-analytics/core/analytics';
import { errorMessage, openNativeStore, openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { demoData } from '../harness/demo-store';
import { replicateEvents } from './replicate-events';

export interface AnalyticsBenchOptions {
  events: number;
  seed?: number;
  /** Days the demo data spans (default 90). */
  days?: number;
  /** First day, YYYY-MM-DD (default 2026-08-01). */
  start?: string;
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

/** The most events generated one by one; larger sizes that are a multiple of it are copies (see replicateEvents). */
const GENERATED_MAX = 1_000_000;

/**
 * The demo events as Parquet files; returns the paths. Up to GENERATED_MAX events they are the harness's demo data
 * (generated once, then kept in its cache under the OS temp dir); a multiple of that is GENERATED_MAX of them in
 * disjoint copies written into `dir`.
 */
async function demoParquetFiles(dir: string, options: AnalyticsBenchOptions): Promise<string[]> {
  const demo = async (events: number) =>
    (await demoData({ events, seed: options.seed ?? 7, days: options.days ?? 90, start: options.start ?? '2026-08-01' })).parquetFiles;
  if (options.events <= GENERATED_MAX || options.events % GENERATED_MAX !== 0) return demo(options.events);
  return replicateEvents(await demo(GENERATED_MAX), options.events / GENERATED_MAX, dir);
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
    const files = await demoParquetFiles(dir, options);
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
