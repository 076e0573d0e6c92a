/**
 * Dashboard benchmark in Debian's Chromium on this machine:
 *  - time from opening the dashboard to the first rendered chart of the data (events over time) for N demo events (default 1M): cold (empty cache,
 *    everything from the edge) and warm (reload, partitions from the IndexedDB cache). The edge is the stand-in of
 *    the dashboard-load bench (its read API over the same hourly ZSTD Parquet files the edge writes, on loopback):
 *    filling a wrangler edge with 1M events through the collector takes longer than the whole benchmark;
 *  - the overview's queries (web/src/lib/analytics/overview.ts) timed in DuckDB-Wasm in the page and in native
 *    DuckDB with `SET threads=1` on the same Parquet files, median of several runs, and their ratio;
 *  - the behaviour analyses of the analytics bench (funnel, retention, paths, segment, RFM, and the identity map
 *    they need) run by the same analytics code on the page's engine (the dashboard's threaded DuckDB-Wasm, over the
 *    same loaded events) and on native DuckDB (1 thread) over the same files: the "under 1 s in Chromium" target.
 * Returns rows for a markdown table (see dashboardOverviewMarkdown).
 */
import { rmSync } from 'node:fs';
import { buildDashboard, freePort, launchChromium, NativeDuckDb, serveDashboard, waitForOverview } from '../harness';
import { demoDataset, filePath, serveEdgeStandIn, STAND_IN_SITE, STAND_IN_TOKEN } from './dashboard-load';
import type { Page } from 'playwright-core';
import { buildPersonMap, overviewQueries, runAnalysis, type OverviewSpec } from '@privacy-analytics/core/analytics';
import type { QueryEngine, Row, SqlValue } from '@privacy-analytics/core/engine';
import { openNativeStore } from '@privacy-analytics/core/connectors/node';
import { BENCH_QUERIES, timed } from './analytics';

export interface DashboardBenchRow {
  measure: string;
  /** in the browser (DuckDB-Wasm / the dashboard) */
  browser: number;
  /** native DuckDB, single-threaded; null where there is no counterpart */
  native: number | null;
  unit: 'ms' | 'rows/s';
  /** browser / native for times */
  ratio: number | null;
  note: string;
}

export interface DashboardBenchOptions {
  events?: number;
  days?: number;
  /** timed runs per query (after one warm-up) */
  runs?: number;
  /** how long to wait for the first chart and for all panels, per page open (default 10 min) */
  limitMs?: number;
  log?: (line: string) => void;
}

interface PageHandle {
  __dashboard: {
    connection: { save(c: { url: string; site: string; token: string }): Promise<void> };
    engine: { query(sql: string, params?: SqlValue[]): Promise<unknown[]>; info(): Promise<{ bundle: string; threads: number; duckdbVersion: string }> };
    load: { info: { rows: number } | null; running: string | null; progress: unknown; error: string | null };
  };
}

/** Notes, on the first animation frame that shows it, when the chart over time and the first KPI appeared. */
const FIRSTS_SCRIPT = `(() => {
  const firsts = (globalThis.__firsts = {});
  requestAnimationFrame(function watch() {
    const chart = document.querySelector('[data-series-source] [role="img"][aria-label="Events over time chart"][data-rendered="true"]');
    if (chart && firsts.chart === undefined) {
      firsts.chart = performance.now();
      firsts.chartSource = chart.closest('[data-series-source]').getAttribute('data-series-source');
    }
    if (document.querySelector('[data-kpi]') && firsts.figures === undefined) firsts.figures = performance.now();
    if (firsts.chart === undefined || firsts.figures === undefined) requestAnimationFrame(watch);
  });
})()`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function benchDashboardOverview(options: DashboardBenchOptions = {}): Promise<DashboardBenchRow[]> {
  const events = options.events ?? 1_000_000;
  const runs = options.runs ?? 5;
  const limitMs = options.limitMs ?? 600_000;
  const log = options.log ?? ((line: string) => console.log(`[bench:dashboard] ${line}`));
  const appPort = await freePort();
  const appOrigin = `http://127.0.0.1:${appPort}`;

  const data = await demoDataset({ events, days: options.days ?? 30, seed: 42, log });
  log(`${data.files.length} hourly Parquet files from ${data.from} to ${data.to}; building the dashboard`);
  const [edge, outDir] = await Promise.all([serveEdgeStandIn(data, appOrigin), buildDashboard()]);
  const range = `from=${data.from}&to=${data.to}`;
  // BENCH_ENGINE=coi|eh|mvp forces the page's DuckDB build (by default the dashboard chooses, as for a user)
  const engineParam = process.env.BENCH_ENGINE ? `&engine=${encodeURIComponent(process.env.BENCH_ENGINE)}` : '';
  const app = await serveDashboard(outDir, appPort);
  const browser = await launchChromium();
  const rows: DashboardBenchRow[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
    const setup = await context.newPage();
    await setup.goto(`${app.url}?view=connect`);
    await setup.waitForFunction(() => '__dashboard' in globalThis);
    await setup.evaluate(
      (conn) => (globalThis as unknown as PageHandle).__dashboard.connection.save(conn),
      { url: edge.url, site: STAND_IN_SITE, token: STAND_IN_TOKEN },
    );
    await setup.close();

    const loadState = (page: Page) =>
      page.evaluate(() => {
        const load = (globalThis as unknown as PageHandle).__dashboard.load;
        return { running: load.running, rows: load.info?.rows ?? 0, progress: load.progress, error: load.error };
      });

    /**
     * Times are from navigation start (performance.now() in the page), noted on the first animation frame that
     * shows each: the chart over time (from the file index or from a query: `chartSource`), the first figures
     * DuckDB computed (the KPIs, over the part of the data loaded by then), all panels over all data. NaN when the
     * chart did not show within the limit.
     */
    const timeToFirstChart = async (label: string) => {
      const page = await context.newPage();
      // a string, not a function: tsx would wrap a named function in a helper the page does not have
      await page.addInitScript({ content: FIRSTS_SCRIPT });
      await page.goto(`${app.url}?view=overview&${range}${engineParam}`);
      const firsts = () => page.evaluate(() => (globalThis as unknown as { __firsts: { chart?: number; chartSource?: string; figures?: number } }).__firsts);
      try {
        await page.waitForFunction(() => document.querySelector('[role="img"][aria-label="Events over time chart"][data-rendered="true"]'), undefined, { timeout: limitMs });
        await waitForOverview(page, '', limitMs);
        const allPanels = await page.evaluate(() => performance.now());
        const { chart = Number.NaN, chartSource = '', figures = Number.NaN } = await firsts();
        const { rows: loaded } = await loadState(page);
        log(`${label}: first chart ${Math.round(chart)} ms (from the ${chartSource}), first DuckDB figures ${Math.round(figures)} ms, all panels ${Math.round(allPanels)} ms, ${loaded.toLocaleString('en-US')} rows`);
        return { page, firstChart: chart, chartSource, firstFigures: figures, allPanels, loaded, note: '' };
      } catch (error) {
        const state = await loadState(page).catch(() => null);
        const note = `no chart within ${limitMs / 1000} s; load state then: ${JSON.stringify(state)}`;
        log(`${label}: ${note} (${(error as Error).message.split('\n')[0]})`);
        return { page, firstChart: Number.NaN, chartSource: '', firstFigures: Number.NaN, allPanels: Number.NaN, loaded: state?.rows ?? 0, note };
      }
    };
    const chartNote = (run: { chartSource: string; note: string }, target: string) =>
      run.note || `${run.chartSource === 'index' ? 'events per day from the manifest / cache index, before any file is read' : 'from a query'}${target}`;

    const cold = await timeToFirstChart('cold');
    await cold.page.close();
    const warm = await timeToFirstChart('warm');
    rows.push(
      { measure: `open -> first chart, cold (${events.toLocaleString('en-US')} events, ${data.files.length} files over loopback)`, browser: cold.firstChart, native: null, unit: 'ms', ratio: null, note: chartNote(cold, '; target < 3000 ms') },
      { measure: 'open -> first figures from DuckDB, cold', browser: cold.firstFigures, native: null, unit: 'ms', ratio: null, note: 'KPIs over the files loaded by then' },
      { measure: 'open -> all overview panels, cold', browser: cold.allPanels, native: null, unit: 'ms', ratio: null, note: '' },
      { measure: 'cold load throughput (network + decode + insert)', browser: (cold.loaded / cold.allPanels) * 1000, native: null, unit: 'rows/s', ratio: null, note: 'upper bound of the time: includes page start and queries' },
      { measure: 'open -> first chart, warm (IndexedDB cache)', browser: warm.firstChart, native: null, unit: 'ms', ratio: null, note: chartNote(warm, '') },
      { measure: 'open -> first figures from DuckDB, warm', browser: warm.firstFigures, native: null, unit: 'ms', ratio: null, note: '' },
      { measure: 'open -> all overview panels, warm', browser: warm.allPanels, native: null, unit: 'ms', ratio: null, note: '' },
    );

    const page = warm.page;
    if ((await loadState(page)).rows === 0) {
      log('no data loaded in the page: the query comparison is skipped');
      await context.close();
      return rows;
    }
    const engineInfo = await page.evaluate(() => (globalThis as unknown as PageHandle).__dashboard.engine.info());
    const spec: OverviewSpec = { from: data.from, to: data.to, filters: [], granularity: 'day' };
    const queries = overviewQueries(spec);

    const wasmTimes = await page.evaluate(
      async ({ queries, runs }) => {
        const engine = (globalThis as unknown as PageHandle).__dashboard.engine;
        const out: number[][] = [];
        for (const { query } of queries) {
          await engine.query(query.sql, query.params);
          const times: number[] = [];
          for (let i = 0; i < runs; i++) {
            const t0 = performance.now();
            await engine.query(query.sql, query.params);
            times.push(performance.now() - t0);
          }
          out.push(times);
        }
        return out;
      },
      { queries, runs },
    );

    const native = await NativeDuckDb.open(data.files.map((_, i) => filePath(data, i)), 1);
    try {
      await native.rows('SET threads=1');
      let wasmTotal = 0;
      let nativeTotal = 0;
      for (const [i, { name, query }] of queries.entries()) {
        await native.timed(query.sql, query.params as (string | number)[]);
        const nativeTimes: number[] = [];
        for (let r = 0; r < runs; r++) nativeTimes.push(await native.timed(query.sql, query.params as (string | number)[]));
        const wasm = median(wasmTimes[i]!);
        const nat = median(nativeTimes);
        wasmTotal += wasm;
        nativeTotal += nat;
        rows.push({ measure: `query: ${name}`, browser: wasm, native: nat, unit: 'ms', ratio: wasm / nat, note: '' });
      }
      rows.push({
        measure: `all ${queries.length} overview queries`,
        browser: wasmTotal,
        native: nativeTotal,
        unit: 'ms',
        ratio: wasmTotal / nativeTotal,
        note: `DuckDB-Wasm ${engineInfo.duckdbVersion} (${engineInfo.bundle}, ${engineInfo.threads} thread${engineInfo.threads === 1 ? '' : 's'}) vs native, threads=1; target ratio <= 1.5`,
      });
    } finally {
      native.close();
    }
    rows.push(...(await analysesInPage(page, data.files.map((_, i) => filePath(data, i)), runs, log)));
    await context.close();
  } finally {
    await browser.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    edge.server.close();
    rmSync(outDir, { recursive: true, force: true });
  }
  return rows;
}

/**
 * The analytics bench's analyses on the page's engine (through its query facade, as the dashboard's views run them)
 * beside native DuckDB, 1 thread, over the same files; median of `runs` after one warm-up. The identity map is built
 * once on each side first, as the views do, and timed alone.
 */
async function analysesInPage(page: Page, files: string[], runs: number, log: (line: string) => void): Promise<DashboardBenchRow[]> {
  // The analysis code runs here in Node and sends each query to the page: the time the rows then spend travelling
  // from the page to Node (DevTools protocol, JSON) is not the dashboard's and is taken out, the query's time in the
  // page (worker, DuckDB, rows back to the page) stays.
  let outsidePage = 0;
  const inPage: QueryEngine = {
    query: async <T extends Row = Row>(sql: string, params: readonly SqlValue[] = []) => {
      const sent = performance.now();
      const { rows, ms } = await page.evaluate(
        async ({ sql, params }) => {
          const began = performance.now();
          const rows = await (globalThis as unknown as PageHandle).__dashboard.engine.query(sql, params);
          return { rows, ms: performance.now() - began };
        },
        { sql, params: [...params] },
      );
      outsidePage += performance.now() - sent - ms;
      return rows as T[];
    },
  };
  const timedInPage = (run: () => Promise<unknown>, repeats: number) => timed(run, repeats, () => outsidePage);
  const native = await openNativeStore({ threads: 1 });
  const rows: DashboardBenchRow[] = [];
  try {
    await native.resetEvents();
    await native.loadParquetFiles(files);
    const mapBrowser = await timedInPage(() => buildPersonMap(inPage), 0);
    const mapNative = await timed(() => buildPersonMap(native), 0);
    rows.push({ measure: 'analysis: identity map (connected components)', browser: mapBrowser, native: mapNative, unit: 'ms', ratio: mapBrowser / mapNative, note: 'built once per loaded data' });
    for (const query of BENCH_QUERIES) {
      const browser = await timedInPage(() => runAnalysis(query.analysis, inPage, query.spec), runs);
      const nat = await timed(() => runAnalysis(query.analysis, native, query.spec), runs);
      log(`${query.name}: Chromium ${browser.toFixed(0)} ms, native ${nat.toFixed(0)} ms`);
      const target = query.analysis === 'paths' ? '' : `target < 1000 ms and ratio <= 1.5: ${browser < 1000 && browser / nat <= 1.5 ? 'met' : 'not met'}`;
      const transfer = query.analysis === 'rfm' ? '; the Chromium time includes passing one row per person from DuckDB to the page' : '';
      rows.push({ measure: `analysis: ${query.name}`, browser, native: nat, unit: 'ms', ratio: browser / nat, note: `${target}${transfer}` });
    }
  } finally {
    await native.close();
  }
  return rows;
}

export function dashboardOverviewMarkdown(rows: readonly DashboardBenchRow[]): string {
  const fmt = (v: number | null, unit: string) => (v === null || Number.isNaN(v) ? '–' : unit === 'rows/s' ? `${Math.round(v).toLocaleString('en-US')} rows/s` : `${v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} ms`);
  return [
    '| measure | Chromium (DuckDB-Wasm) | native DuckDB (1 thread) | ratio | note |',
    '|---|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.measure} | ${fmt(r.browser, r.unit)} | ${fmt(r.native, r.unit)} | ${r.ratio === null ? '–' : `${r.ratio.toFixed(2)}x`} | ${r.note} |`),
  ].join('\n');
}
