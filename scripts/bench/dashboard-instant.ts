/**
 * The targets of "Instant dashboard at any size", measured in Debian's Chromium against the dashboard's
 * user-visible behaviour (DOM, URL; `window.__dashboard` only where the DOM says nothing), beside native DuckDB
 * (1 thread) reading the same files and running the same queries in the same run:
 *  - open -> every overview panel (KPIs, chart over time, the 7 breakdowns, each showing the figures native DuckDB
 *    computes over all the data), cold (a fresh, empty Chromium profile) and warm (the same persistent profile,
 *    second visit, browser restarted in between), at BENCH_EVENTS (default 1M) and 10x that;
 *  - warm open -> first funnel result (the funnels view's starter, the 4 e-commerce steps, equal to native's);
 *  - cold load throughput, rows/s (all columns);
 *  - on a loaded overview, change the date range (the date control) and add a filter (a breakdown row) -> every panel
 *    updated;
 *  - the largest number of events analysable in one tab (funnel ran, no out-of-memory), 30M when asked for.
 * Data is laid out as the edge keeps it (edge-layout.ts): past days in one compacted file each, the last day in
 * hourly files, served over loopback by a stand-in of the edge's read API. The native reference is
 * `CREATE TABLE events AS SELECT * FROM read_parquet(files)` then the overview's SQL (core overviewQueries), or the
 * identity map and the funnel, on `@duckdb/node-api` with threads=1.
 *
 * Env: BENCH_INSTANT_SIZES=1000000,10000000[,30000000] (default BENCH_EVENTS and 10x), BENCH_INSTANT_LIMIT_S (how
 * long one page may take to show a result, default 600), BENCH_INSTANT_CACHE (dataset cache directory).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import {
  breakdown,
  BREAKDOWN_PANELS,
  buildPersonMap,
  overviewKpis,
  overviewQueries,
  runFunnel,
  type ColumnFilter,
  type FunnelSpecInput,
  type OverviewSpec,
} from '@privacy-analytics/core/analytics';
import { openNativeStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { ECOMMERCE_FUNNEL } from '@privacy-analytics/web/starters';
import { buildDashboard, CHROMIUM_ARGS, freePort, serveDashboard, type ServedApp } from '../harness';
import { wasmInsertFloor } from './wasm-insert-floor';
import { edgeLayoutDataset, layoutPaths, LAYOUT_SITE, LAYOUT_TOKEN, serveEdgeLayout, type EdgeStandIn, type LayoutDataset } from './edge-layout';

export interface InstantRow {
  measure: string;
  /** the browser's figure: ms, rows/s, a ratio or events; NaN when not measured or not reached */
  result: number;
  /** native DuckDB (1 thread), same files, same queries, same run; null where there is none */
  reference: number | null;
  unit: 'ms' | 'rows/s' | 'x' | 'events';
  /** result / reference for times; reference rows/s / result rows/s (= time ratio) for throughput */
  ratio: number | null;
  target: string;
  /** null: not measured */
  met: boolean | null;
  note: string;
}

export interface InstantOptions {
  sizes: number[];
  days?: number;
  limitMs?: number;
  log?: (line: string) => void;
}

const ANALYSABLE_TARGET = 30_000_000;
/** the DuckDB-Wasm insert floor is measured up to this size (10M rows in memory would not fit the wasm heap) */
const FLOOR_MAX_EVENTS = 1_000_000;

/** What the overview must show for one spec: the events KPI (= the chart's total) and each breakdown's sum of counts. */
interface OverviewWant {
  events: number;
  panels: Record<string, number>;
}

/**
 * In-page helpers (a string: tsx would wrap functions passed as such in a helper the page does not have). `watch`
 * notes, on the first animation frame where a condition holds, performance.now() in `__instantMarks[name]`; user
 * actions (submit, click) are noted as they are dispatched.
 */
const HELPERS = `(() => {
  if (globalThis.__instant) return;
  const marks = (globalThis.__instantMarks = {});
  document.addEventListener('submit', () => { marks.submit = performance.now(); }, true);
  document.addEventListener('click', () => { marks.click = performance.now(); }, true);
  const attr = (el, name) => (el ? el.getAttribute(name) : null);
  const conditions = {
    overview(want) {
      const root = document.querySelector('[data-overview-status]');
      if (root && attr(root, 'data-overview-status') !== 'ready') return false;
      const kpi = document.querySelector('[data-kpi="events"]');
      if (!kpi || attr(kpi, 'data-value') === '' || Number(attr(kpi, 'data-value')) !== want.events) return false;
      const chart = document.querySelector('[role="img"][aria-label="Events over time chart"][data-rendered="true"]');
      if (!chart) return false;
      const source = chart.closest('[data-series-source]');
      if (source && attr(source, 'data-series-source') !== 'query') return false;
      const total = document.querySelector('[data-series-total]');
      if (total && Number(attr(total, 'data-series-total')) !== want.events) return false;
      for (const id of Object.keys(want.panels)) {
        const panel = document.querySelector('[data-panel="' + id + '"]');
        if (!panel) return false;
        let sum = 0;
        for (const cell of panel.querySelectorAll('tbody tr [data-count]')) sum += Number(attr(cell, 'data-count'));
        // breakdown panels ranked by visitors: from rollups the visitor counts are sketches (docs/rollups.md), so a
        // value near the tenth place may swap with the eleventh; the panel counts as shown within 5% of native's
        if (Math.abs(sum - want.panels[id]) > 0.05 * want.panels[id]) return false;
      }
      return true;
    },
    loaded(want) {
      const load = globalThis.__dashboard && globalThis.__dashboard.load;
      if (!load || !('running' in load)) return conditions.overview(want.overview);
      return !load.running && !!load.info && load.info.rows >= want.rows && !document.querySelector('progress[aria-label="Loading progress"]');
    },
    funnelReady(want) {
      const form = document.querySelector('form[aria-label="Funnel definition"]');
      if (!form) return false;
      const button = [...form.querySelectorAll('button[type="submit"]')].find((b) => b.textContent.trim() === 'Run funnel');
      const first = form.querySelector('input[role="combobox"]');
      if (!button || button.disabled || !first || !first.value) return false;
      if (document.querySelector('progress[aria-label="Loading progress"]')) return false;
      const load = globalThis.__dashboard && globalThis.__dashboard.load;
      if (load && 'running' in load && (load.running || !load.info || load.info.rows < want.rows)) return false;
      return true;
    },
    funnelShown() {
      const table = document.querySelector('table[aria-label="Funnel steps"]');
      if (table && !table.closest('.stale')) return true;
      return [...document.querySelectorAll('[role="alert"]')].some((a) => /funnel/i.test(a.textContent));
    },
    funnelComplete() {
      const basis = document.querySelector('footer[data-basis]');
      return !!basis && !basis.closest('.stale');
    },
    funnel(want) {
      const table = document.querySelector('table[aria-label="Funnel steps"]');
      if (!table || table.closest('.stale')) return false;
      const counts = [...table.querySelectorAll('tbody tr [data-count]')].map((c) => Number(attr(c, 'data-count')));
      return counts.length === want.counts.length && counts.every((c, i) => c === want.counts[i]);
    },
  };
  globalThis.__instant = {
    conditions,
    watch(name, condition, want) {
      delete marks[name];
      const check = () => {
        let ok = false;
        try { ok = conditions[condition](want); } catch { ok = false; }
        if (ok) marks[name] = performance.now();
        else requestAnimationFrame(check);
      };
      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => requestAnimationFrame(check));
      else requestAnimationFrame(check);
    },
    funnelText() {
      const table = document.querySelector('table[aria-label="Funnel steps"]');
      const counts = table ? [...table.querySelectorAll('tbody tr [data-count]')].map((c) => Number(c.getAttribute('data-count'))) : [];
      const alert = [...document.querySelectorAll('[role="alert"]')].map((a) => a.textContent.trim()).join(' | ');
      return { counts, alert };
    },
  };
})()`;

const watchScript = (name: string, condition: string, want: unknown) => `globalThis.__instant.watch(${JSON.stringify(name)}, ${JSON.stringify(condition)}, ${JSON.stringify(want)})`;

/**
 * Waits until the page noted `name`; returns its time (ms since navigation start) or NaN after `limitMs`. `polling`:
 * how often Node looks (a mark that the bench acts on, e.g. clicking Run once the form is ready, is looked for often).
 */
async function mark(page: Page, name: string, limitMs: number, polling = 100): Promise<number> {
  try {
    const handle = await page.waitForFunction((n) => (globalThis as unknown as { __instantMarks?: Record<string, number> }).__instantMarks?.[n] ?? false, name, { timeout: limitMs, polling });
    return Number(await handle.jsonValue());
  } catch (error) {
    if (page.isClosed()) throw new Error(`the page closed or crashed while waiting for ${name}`, { cause: error });
    return Number.NaN;
  }
}

const marksOf = (page: Page) => page.evaluate(() => ({ ...(globalThis as unknown as { __instantMarks: Record<string, number> }).__instantMarks }));

interface NativeReference {
  loadMs: number;
  overviewMs: number;
  want: OverviewWant;
  identityMapMs: number;
  funnelMs: number;
  funnelCounts: number[];
  /** extra specs (range change, filter): their queries' time and what they show */
  changes: { spec: OverviewSpec; queriesMs: number; want: OverviewWant }[];
  topDevice: string | null;
}

async function overviewWant(store: EventStore, spec: OverviewSpec): Promise<OverviewWant> {
  const kpis = await overviewKpis(store, spec);
  const panels: Record<string, number> = {};
  for (const panel of BREAKDOWN_PANELS) panels[panel.id] = (await breakdown(store, spec, panel)).reduce((n, r) => n + r.count, 0);
  return { events: kpis.events, panels };
}

async function timeQueries(store: EventStore, spec: OverviewSpec): Promise<number> {
  const started = performance.now();
  for (const { query } of overviewQueries(spec)) await store.query(query.sql, query.params);
  return performance.now() - started;
}

/** Native DuckDB, 1 thread: load the files (CTAS), the overview queries, the identity map and the funnel; then what the changed specs show. */
async function nativeReference(data: LayoutDataset, spec: OverviewSpec, funnel: FunnelSpecInput, changeSpecs: (top: string | null) => OverviewSpec[], log: (line: string) => void): Promise<NativeReference> {
  const store = await openNativeStore({ threads: 1 });
  try {
    const list = layoutPaths(data).map((p) => `'${p.replaceAll("'", "''")}'`).join(', ');
    let started = performance.now();
    await store.query(`CREATE TABLE events AS SELECT * FROM read_parquet([${list}])`);
    const loadMs = performance.now() - started;
    const overviewMs = await timeQueries(store, spec);
    started = performance.now();
    await buildPersonMap(store);
    const identityMapMs = performance.now() - started;
    started = performance.now();
    const funnelResult = await runFunnel(store, funnel);
    const funnelMs = performance.now() - started;
    const want = await overviewWant(store, spec);
    const devices = await breakdown(store, spec, BREAKDOWN_PANELS.find((p) => p.id === 'devices')!);
    const topDevice = devices[0]?.value ?? null;
    const changes = [];
    for (const changed of changeSpecs(topDevice)) changes.push({ spec: changed, queriesMs: await timeQueries(store, changed), want: await overviewWant(store, changed) });
    log(`native DuckDB (1 thread): load ${(loadMs / 1000).toFixed(2)} s, overview queries ${(overviewMs / 1000).toFixed(2)} s, identity map ${(identityMapMs / 1000).toFixed(2)} s, funnel ${(funnelMs / 1000).toFixed(2)} s; ${want.events.toLocaleString('en-US')} events in range`);
    return { loadMs, overviewMs, want, identityMapMs, funnelMs, funnelCounts: funnelResult.steps.map((s) => s.count), changes, topDevice };
  } finally {
    await store.close();
  }
}

interface Setup {
  app: ServedApp;
  edge: EdgeStandIn;
  data: LayoutDataset;
  limitMs: number;
  log: (line: string) => void;
}

function launch(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    viewport: { width: 1360, height: 1000 },
  });
}

/** A page of `context` with the helpers installed and a note of a crash. */
async function helperPage(context: BrowserContext, watches: string[]): Promise<{ page: Page; crashed: () => boolean }> {
  const page = await context.newPage();
  let crashed = false;
  page.on('crash', () => (crashed = true));
  await page.addInitScript({ content: [HELPERS, ...watches].join(';\n') });
  return { page, crashed: () => crashed };
}

/** A fresh profile that knows the edge connection (as after the Connect view) and nothing else: no data, no HTTP cache. */
async function freshProfile(s: Setup): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'pa-instant-profile-'));
  const context = await launch(profile);
  try {
    const page = await context.newPage();
    await page.goto(`${s.app.url}?view=connect`);
    await page.waitForFunction(() => '__dashboard' in globalThis, undefined, { timeout: 120_000 });
    await page.evaluate(
      (conn) => (globalThis as unknown as { __dashboard: { connection: { save(c: unknown): Promise<void> } } }).__dashboard.connection.save(conn),
      { url: s.edge.url, site: LAYOUT_SITE, token: LAYOUT_TOKEN },
    );
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.clearBrowserCache');
  } finally {
    await context.close();
  }
  return profile;
}

interface OverviewVisit {
  allPanels: number;
  loaded: number;
  fileGets: number;
  engine: string;
  note: string;
}

/** Opens the overview in a new browser on `profile`; `then` runs on the loaded page before the browser closes. */
async function overviewVisit(s: Setup, profile: string, want: OverviewWant, label: string, then?: (page: Page) => Promise<void>): Promise<OverviewVisit> {
  const context = await launch(profile);
  try {
    const { page, crashed } = await helperPage(context, [watchScript('overview', 'overview', want), watchScript('loaded', 'loaded', { rows: s.data.rows, overview: want })]);
    s.edge.reset();
    await page.goto(`${s.app.url}?view=overview&from=${s.data.from}&to=${s.data.to}`);
    let allPanels = Number.NaN;
    let loaded = Number.NaN;
    let note = '';
    try {
      allPanels = await mark(page, 'overview', s.limitMs);
      loaded = await mark(page, 'loaded', Number.isNaN(allPanels) ? 1_000 : s.limitMs);
    } catch (error) {
      note = crashed() ? 'the tab crashed (out of memory?)' : (error as Error).message;
    }
    if (Number.isNaN(allPanels) && !note) note = `not every panel within ${s.limitMs / 1000} s${await loadStateNote(page)}`;
    const engine = page.isClosed() ? '' : await engineInfo(page);
    log(s, `${label}: every panel ${fmtMs(allPanels)}, data loaded ${fmtMs(loaded)}, ${s.edge.fileGets} file GETs${note ? `; ${note}` : ''}`);
    const fileGets = s.edge.fileGets;
    log(s, `${label} timeline: ${await timelineOf(page)}`);
    if (then && !Number.isNaN(allPanels)) await then(page);
    // let the dashboard finish writing its cache / warehouse and building its overview table (as a reader who stays on
    // the page would) before the browser closes
    if (!page.isClosed()) await page.waitForTimeout(3_000);
    if (!page.isClosed() && !Number.isNaN(loaded)) {
      const waited = Date.now();
      // asked from here, not through waitForFunction: that takes the Promise the call returns as its (truthy) answer,
      // so it never waited, and at 10M the browser closed while the table was being built; the warm visit then built
      // it again and the benchmark's filter waited 20 s behind that build
      const cubeIsCurrent = (day: string) =>
        page.evaluate((d) => (globalThis as unknown as { __dashboard: { engine: { cubeOverview(s: unknown): Promise<{ result: unknown }> } } }).__dashboard.engine.cubeOverview({ from: d, to: d, filters: [], granularity: 'day' }).then((a) => a.result !== null), day);
      let built = false;
      while (!built && Date.now() - waited < 120_000 && !page.isClosed()) {
        built = await cubeIsCurrent(s.data.to).catch(() => false);
        if (!built) await page.waitForTimeout(500);
      }
      log(s, `${label}: overview table ${built ? 'current' : 'not built within 120 s'} ${((Date.now() - waited) / 1000 + 3).toFixed(1)} s after the data loaded`);
      // and the identity map the worker builds once the page is quiet (docs/dashboard-engine.md), as a reader who
      // stays on the page a little longer would let it
      const mapWait = Date.now();
      // the worker's timeline, not ensurePersonMap: asking would build it as the page's question
      const mapIsCurrent = () =>
        page.evaluate(() =>
          (globalThis as unknown as { __dashboard: { engine: { timeline(): Promise<{ name: string }[]> } } }).__dashboard.engine
            .timeline()
            .then((marks) => marks.some((m) => m.name === 'person map: built while the page is quiet' || m.name === 'person map: quiet check (kept)')),
        );
      let mapped = false;
      while (!mapped && Date.now() - mapWait < 120_000 && !page.isClosed()) {
        mapped = await mapIsCurrent().catch(() => false);
        if (!mapped) await page.waitForTimeout(1_000);
      }
      log(s, `${label}: identity map ${mapped ? 'kept' : 'not built within 120 s'} ${((Date.now() - mapWait) / 1000).toFixed(1)} s after the overview table`);
    }
    return { allPanels, loaded, fileGets, engine, note };
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** The page's engine timeline (docs/dashboard-engine.md), compact: `ms name; …`. */
async function timelineOf(page: Page): Promise<string> {
  if (page.isClosed()) return '';
  const marks = await page
    .evaluate(() => (globalThis as unknown as { __dashboard?: { engine?: { timeline?(): Promise<{ name: string; ms: number }[]> } } }).__dashboard?.engine?.timeline?.() ?? [])
    .catch(() => []);
  return marks.map((m) => `${m.ms} ${m.name}`).join('; ');
}

async function loadStateNote(page: Page): Promise<string> {
  if (page.isClosed()) return '';
  const state = await page
    .evaluate(() => {
      const load = (globalThis as unknown as { __dashboard?: { load?: { running: unknown; info: { rows: number } | null; error: string | null } } }).__dashboard?.load;
      return load ? { running: load.running, rows: load.info?.rows ?? 0, error: load.error } : null;
    })
    .catch(() => null);
  return state ? `; load state then: ${JSON.stringify(state)}` : '';
}

async function engineInfo(page: Page): Promise<string> {
  return page
    .evaluate(async () => {
      const engine = (globalThis as unknown as { __dashboard?: { engine?: { info?(): Promise<{ bundle: string; threads: number; duckdbVersion: string }> } } }).__dashboard?.engine;
      const info = await engine?.info?.();
      return info ? `DuckDB-Wasm ${info.duckdbVersion} (${info.bundle}, ${info.threads} thread${info.threads === 1 ? '' : 's'})` : '';
    })
    .catch(() => '');
}

/** On a loaded overview: change the range with the date control, then add a filter from a breakdown row; ms from the user's action to every panel updated. */
async function changes(s: Setup, page: Page, native: NativeReference): Promise<{ rangeMs: number; filterMs: number; note: string }> {
  const [rangeChange, filterChange] = native.changes;
  let note = '';
  page.setDefaultTimeout(60_000);
  // the date control: Custom…, From, Apply
  await page.evaluate(watchScript('range', 'overview', rangeChange!.want));
  const form = page.locator('form[aria-label="Date range"]');
  await form.locator('select').selectOption('custom');
  await form.locator('input[type="date"]').first().fill(rangeChange!.spec.from);
  await form.locator('button[type="submit"]').click();
  const rangeDone = await mark(page, 'range', s.limitMs);
  const submitted = (await marksOf(page)).submit ?? Number.NaN;
  const rangeMs = rangeDone - submitted;
  const url = new URL(page.url());
  if (url.searchParams.get('from') !== rangeChange!.spec.from) note += `URL from=${url.searchParams.get('from')} after the range change; `;
  log(s, `range ${rangeChange!.spec.from}..${rangeChange!.spec.to}: every panel ${fmtMs(rangeMs)} after Apply`);
  let filterMs = Number.NaN;
  if (filterChange && native.topDevice !== null && !Number.isNaN(rangeDone)) {
    await page.evaluate(watchScript('filter', 'overview', filterChange.want));
    await page.locator(`[data-panel="devices"] tbody tr[data-value="${native.topDevice}"] th button`).click();
    const filterDone = await mark(page, 'filter', s.limitMs);
    filterMs = filterDone - ((await marksOf(page)).click ?? Number.NaN);
    const source = await page.locator('[data-overview-source]').textContent().catch(() => '');
    if (!/local overview table/.test(source ?? '')) note += `the filtered overview did not come from the local overview table ("${(source ?? '').trim()}"); `;
    log(s, `filter device_type = ${native.topDevice}: every panel ${fmtMs(filterMs)} after the click (${(source ?? '').trim()})`);
    log(s, `after the filter (clicked at ${Math.round((await marksOf(page)).click ?? Number.NaN)}, shown at ${Math.round(filterDone)}), timeline: ${(await timelineOf(page)).split('; ').slice(-8).join('; ')}`);
  }
  return { rangeMs, filterMs, note };
}

/** Opens the funnels view in a new browser on `profile`, presses Run funnel once the data is in, and waits for native's counts. */
async function funnelVisit(s: Setup, profile: string, native: NativeReference): Promise<{ ms: number; note: string; complete?: number }> {
  const context = await launch(profile);
  try {
    const { page, crashed } = await helperPage(context, [watchScript('ready', 'funnelReady', { rows: s.data.rows })]);
    await page.goto(`${s.app.url}?view=funnels&from=${s.data.from}&to=${s.data.to}`);
    const deadline = Date.now() + s.limitMs;
    let note = '';
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const ready = await mark(page, 'ready', Math.max(1, deadline - Date.now()), 20);
        if (Number.isNaN(ready)) return { ms: Number.NaN, note: `the Run funnel button was not ready within ${s.limitMs / 1000} s${await loadStateNote(page)}` };
        await page.evaluate(`${watchScript('shown', 'funnelShown', {})}; ${watchScript('funnel', 'funnel', { counts: native.funnelCounts })}; ${watchScript('complete', 'funnelComplete', {})}`);
        await page.locator('form[aria-label="Funnel definition"] button[type="submit"]', { hasText: 'Run funnel' }).click();
        // a retry's earlier result is on screen already: wait for the right one rather than for any
        const shown = attempt === 1 ? await mark(page, 'shown', Math.max(1, deadline - Date.now())) : Number.NaN;
        const done = await mark(page, 'funnel', attempt === 1 ? 500 : Math.max(1, deadline - Date.now()));
        if (!Number.isNaN(done)) {
          // the steps show first; the footnote of what they are based on (its own query) follows
          const complete = await mark(page, 'complete', Math.max(1, deadline - Date.now()));
          log(s, `warm funnel: result ${fmtMs(done)} after opening (attempt ${attempt}); its basis footnote ${fmtMs(complete)}`);
          log(s, `warm funnel timeline: ${await timelineOf(page)}`);
          const basisNote = `steps shown; the basis footnote (one more query) at ${fmtMs(complete)}`;
          return { ms: done, complete, note: attempt > 1 ? `${attempt} runs: the first showed other counts; ${basisNote}` : basisNote };
        }
        if (attempt > 1 || Number.isNaN(shown)) return { ms: Number.NaN, note: `no funnel result equal to native's within ${s.limitMs / 1000} s${await loadStateNote(page)}` };
        const shownText = (await page.evaluate('globalThis.__instant.funnelText()')) as { counts: number[]; alert: string };
        note = `run ${attempt} showed ${shownText.alert ? `"${shownText.alert.slice(0, 200)}"` : `counts ${shownText.counts.join('/')}`}, native ${native.funnelCounts.join('/')}`;
        log(s, `warm funnel: ${note}`);
        await page.evaluate(watchScript('ready', 'funnelReady', { rows: s.data.rows }));
      }
      return { ms: Number.NaN, note };
    } catch (error) {
      return { ms: Number.NaN, note: crashed() ? 'the tab crashed (out of memory?)' : (error as Error).message.split('\n')[0]! };
    }
  } finally {
    await context.close().catch(() => undefined);
  }
}

const fmtMs = (ms: number) => (Number.isNaN(ms) ? 'not reached' : `${(ms / 1000).toFixed(2)} s`);
const log = (s: Setup, line: string) => s.log(`[${s.data.rows.toLocaleString('en-US')}] ${line}`);
const millions = (n: number) => (n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n.toLocaleString('en-US'));

interface SizeTargets {
  cold: number | null;
  warm: number | null;
  warmRatio: number | null;
  funnel: number | null;
  change: number | null;
}

/** The issue's targets: 1M and 10M; other sizes are measured against the nearer one below (none under 1M). */
/**
 * The issue's targets by size: 1M and 10M. Above 10M only "events analysable" has a target; its rows show the 10M
 * targets for comparison (targetNote) and count as neither met nor missed.
 */
/** A time target as the table shows it; above 10M, the 10M target in brackets for comparison (not a target). */
function targetText(ms: number | null, tenMillions: number | null, events: number): string {
  if (ms !== null) return `≤ ${ms / 1000} s`;
  return events > 10_000_000 && tenMillions !== null ? `– (10M's: ≤ ${tenMillions / 1000} s)` : '–';
}

function targetsFor(events: number): SizeTargets {
  if (events > 10_000_000) return { cold: null, warm: null, warmRatio: null, funnel: null, change: null };
  if (events >= 10_000_000) return { cold: 4_000, warm: 2_000, warmRatio: null, funnel: 8_000, change: null };
  if (events >= 1_000_000) return { cold: 3_000, warm: 1_500, warmRatio: 0.25, funnel: 3_000, change: 300 };
  return { cold: null, warm: null, warmRatio: null, funnel: null, change: null };
}

/** null: no target at this size; a measure that never showed its result misses its target */
/** The sizes the issue sets targets for. */
const TARGET_SIZES = [1_000_000, 10_000_000];

function notMeasuredRows(events: number): InstantRow[] {
  const t = targetsFor(events);
  const note = `not measured in this run (BENCH_INSTANT_SIZES=…,${events} to measure it)`;
  const row = (measure: string, limit: number | null): InstantRow => ({ measure, result: Number.NaN, reference: null, unit: 'ms', ratio: null, target: limit === null ? '–' : `≤ ${limit / 1000} s`, met: null, note });
  const size = millions(events);
  return [
    row(`open → every overview panel, ${size} events, cold (empty browser)`, t.cold),
    row(`open → every overview panel, ${size} events, warm (persistent profile, second visit)`, t.warm),
    row(`warm open → first funnel result, ${size} events`, t.funnel),
  ];
}

const within = (value: number, limit: number | null) => (limit === null ? null : !Number.isNaN(value) && value <= limit);

export async function benchDashboardInstant(options: InstantOptions): Promise<InstantRow[]> {
  const days = options.days ?? 30;
  const limitMs = options.limitMs ?? 600_000;
  const logLine = options.log ?? ((line: string) => console.log(`[bench:dashboard-instant] ${line}`));
  const rows: InstantRow[] = [];
  const analysable: { events: number; ok: boolean; note: string }[] = [];
  const appPort = await freePort();
  // BENCH_APP_DIR: an app built earlier (e.g. of another commit, to compare two builds back to back); kept afterwards
  const keptApp = process.env.BENCH_APP_DIR;
  const outDir = keptApp ?? (await buildDashboard());
  const app = await serveDashboard(outDir, appPort);
  try {
    for (const [index, events] of options.sizes.entries()) {
      const data = await edgeLayoutDataset({ events, days, log: logLine });
      const edge = await serveEdgeLayout(data, app.origin);
      const s: Setup = { app, edge, data, limitMs, log: logLine };
      const profiles: string[] = [];
      try {
        const size = millions(data.rows);
        const t = targetsFor(data.rows);
        const spec: OverviewSpec = { from: data.from, to: data.to, filters: [], granularity: 'day' };
        const funnelSpec: FunnelSpecInput = { steps: ECOMMERCE_FUNNEL.map((event) => ({ event })), order: 'sequential', window: { value: 14, unit: 'day' }, count: 'persons', from: data.from, to: data.to };
        const measureChanges = index === 0;
        const weekFrom = new Date(Date.parse(`${data.to}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
        const changeSpecs = (top: string | null): OverviewSpec[] => {
          if (!measureChanges) return [];
          const week: OverviewSpec = { ...spec, from: weekFrom };
          const filter: ColumnFilter = top === null ? { column: 'device_type', op: 'empty', values: [] } : { column: 'device_type', op: 'eq', values: [top] };
          return [week, { ...week, filters: [filter] }];
        };
        log(s, `${data.files.length} files (${data.dailyFiles} daily, ${data.hourlyFiles} hourly for ${data.to}), ${(data.bytes / 2 ** 20).toFixed(1)} MiB, ${data.from}..${data.to}`);
        const native = await nativeReference(data, spec, funnelSpec, changeSpecs, (line) => log(s, line));
        const nativeOpen = native.loadMs + native.overviewMs;
        const nativeFunnel = native.loadMs + native.identityMapMs + native.funnelMs;
        const refNote = `native: load ${(native.loadMs / 1000).toFixed(2)} s + ${overviewQueries(spec).length} overview queries ${(native.overviewMs / 1000).toFixed(2)} s`;

        const cold = await overviewVisit(s, await freshProfile(s).then((p) => (profiles.push(p), p)), native.want, 'cold');
        const profile = profiles[0]!;
        let change = { rangeMs: Number.NaN, filterMs: Number.NaN, note: measureChanges ? 'the warm overview did not show every panel' : '' };
        const warm = await overviewVisit(s, profile, native.want, 'warm', measureChanges ? async (page) => void (change = await changes(s, page, native)) : undefined);
        const funnel = await funnelVisit(s, profile, native);
        // analysable: the steps and the basis footnote (a second query over every event) both shown
        analysable.push({ events: data.rows, ok: !Number.isNaN(funnel.ms) && funnel.complete !== undefined && !Number.isNaN(funnel.complete), note: funnel.note });

        const layout = `${data.files.length} files: ${data.dailyFiles} daily + ${data.hourlyFiles} hourly, ${(data.bytes / 2 ** 20).toFixed(0)} MiB`;
        rows.push({
          measure: `open → every overview panel, ${size} events, cold (empty browser)`,
          result: cold.allPanels,
          reference: nativeOpen,
          unit: 'ms',
          ratio: cold.allPanels / nativeOpen,
          target: targetText(t.cold, targetsFor(10_000_000).cold, data.rows),
          met: within(cold.allPanels, t.cold),
          note: [cold.note, `${layout}, ${cold.fileGets} file GETs; ${cold.engine}`, refNote].filter(Boolean).join('; '),
        });
        rows.push({
          measure: `open → every overview panel, ${size} events, warm (persistent profile, second visit)`,
          result: warm.allPanels,
          reference: nativeOpen,
          unit: 'ms',
          ratio: warm.allPanels / nativeOpen,
          target: targetText(t.warm, targetsFor(10_000_000).warm, data.rows),
          met: within(warm.allPanels, t.warm),
          note: [warm.note, `browser restarted on the same profile; ${warm.fileGets} file GETs`].filter(Boolean).join('; '),
        });
        if (t.warmRatio !== null) {
          const ratio = warm.allPanels / nativeOpen;
          rows.push({
            measure: `the same, warm ÷ native DuckDB 1 thread reading the same files and running the same overview queries, ${size}`,
            result: ratio,
            reference: null,
            unit: 'x',
            ratio: null,
            target: `≤ ${t.warmRatio}×`,
            met: within(ratio, t.warmRatio),
            note: refNote,
          });
        }
        rows.push({
          measure: `warm open → first funnel result, ${size} events`,
          result: funnel.ms,
          reference: nativeFunnel,
          unit: 'ms',
          ratio: funnel.ms / nativeFunnel,
          target: targetText(t.funnel, targetsFor(10_000_000).funnel, data.rows),
          met: within(funnel.ms, t.funnel),
          note: [funnel.note, `funnels view's starter: ${ECOMMERCE_FUNNEL.join(' → ')}, sequential, 14 days, persons; Run pressed once the data is in; counts equal native's ${native.funnelCounts.join('/')}`, `native: load ${(native.loadMs / 1000).toFixed(2)} s + identity map ${(native.identityMapMs / 1000).toFixed(2)} s + funnel ${(native.funnelMs / 1000).toFixed(2)} s`].filter(Boolean).join('; '),
        });
        const coldRate = (data.rows / cold.loaded) * 1000;
        const nativeRate = (data.rows / native.loadMs) * 1000;
        const rateRatio = nativeRate / coldRate;
        rows.push({
          measure: `cold load of rows into DuckDB-Wasm, rows/s (all columns), ${size} events`,
          result: coldRate,
          reference: nativeRate,
          unit: 'rows/s',
          ratio: rateRatio,
          target: '≥ 250,000 rows/s and within 1.5× of native',
          met: !Number.isNaN(coldRate) && coldRate >= 250_000 && rateRatio <= 1.5,
          note: `rows ÷ time from opening the page (cold) to every row in the table (${fmtMs(cold.loaded)}): includes page and engine start, manifest, downloads on loopback; native: CREATE TABLE AS SELECT * FROM read_parquet(files)`,
        });
        if (data.rows <= FLOOR_MAX_EVENTS) {
          // DuckDB-Wasm's own insert with nothing around it (wasm-insert-floor.ts): no dashboard load can beat it here
          for (const target of ['memory', 'file'] as const) {
            const floor = wasmInsertFloor(data.rows, target);
            log(s, `DuckDB-Wasm insert floor (${target}): ${floor ? `${(floor.ms / 1000).toFixed(2)} s` : 'failed'}`);
            const rate = floor ? (floor.rows / floor.ms) * 1000 : Number.NaN;
            rows.push({
              measure: `the floor: DuckDB-Wasm's insert alone ${target === 'memory' ? 'into an in-memory database' : "into a database file of the warehouse's format"}, rows/s (all columns), ${size} events`,
              result: rate,
              reference: nativeRate,
              unit: 'rows/s',
              ratio: nativeRate / rate,
              target: '–',
              met: null,
              note: `Node, the dashboard's DuckDB-Wasm build; the files decoded to Arrow beforehand (not timed); tables of whole row groups, one transaction each, as the dashboard inserts; no page, engine start, download or decode${target === 'memory' ? '; in memory the rows stay uncompressed' : ''}${floor ? ` (${(floor.ms / 1000).toFixed(2)} s)` : ''}`,
            });
          }
        }
        if (measureChanges) {
          const [range, filter] = native.changes;
          rows.push({
            measure: `change date range → every overview panel updated, ${size} events`,
            result: change.rangeMs,
            reference: range?.queriesMs ?? null,
            unit: 'ms',
            ratio: range ? change.rangeMs / range.queriesMs : null,
            target: t.change === null ? '–' : `≤ ${t.change} ms`,
            met: within(change.rangeMs, t.change),
            note: [change.note, `warm overview of ${data.from}..${data.to}, date control set to ${weekFrom}..${data.to} (Custom…, From, Apply); from the submit to the frame showing native's figures; native: the ${overviewQueries(spec).length} overview queries for the new range`].filter(Boolean).join('; '),
          });
          rows.push({
            measure: `add a filter → every overview panel updated, ${size} events`,
            result: change.filterMs,
            reference: filter?.queriesMs ?? null,
            unit: 'ms',
            ratio: filter ? change.filterMs / filter.queriesMs : null,
            target: t.change === null ? '–' : `≤ ${t.change} ms`,
            met: within(change.filterMs, t.change),
            note: [change.note, `then device_type = ${native.topDevice} by clicking its row in Devices; from the click to the frame showing native's figures (from the local overview table, docs/dashboard-engine.md)`].filter(Boolean).join('; '),
          });
        }
      } finally {
        await edge.close();
        for (const p of profiles) rmSync(p, { recursive: true, force: true });
      }
    }
  } finally {
    await app.close().catch(() => undefined);
    if (!keptApp) rmSync(outDir, { recursive: true, force: true });
  }
  // the issue's sizes that this run left out still get their rows, saying so
  for (const size of TARGET_SIZES.filter((n) => !options.sizes.includes(n))) rows.push(...notMeasuredRows(size));
  const largestOk = Math.max(0, ...analysable.filter((a) => a.ok).map((a) => a.events));
  const failed = analysable.filter((a) => !a.ok);
  const measured30 = analysable.some((a) => a.events >= ANALYSABLE_TARGET);
  rows.push({
    measure: 'events analysable in one tab (funnel runs, no out-of-memory)',
    result: measured30 ? largestOk : Number.NaN,
    reference: null,
    unit: 'events',
    ratio: null,
    target: `≥ ${millions(ANALYSABLE_TARGET)}`,
    met: measured30 ? largestOk >= ANALYSABLE_TARGET : null,
    note: [
      measured30 ? '' : `not measured at ${millions(ANALYSABLE_TARGET)} (BENCH_INSTANT_SIZES=…,${ANALYSABLE_TARGET} to measure it)`,
      largestOk ? `funnel ran at ${analysable.filter((a) => a.ok).map((a) => millions(a.events)).join(', ')}` : '',
      failed.length ? `not at ${failed.map((a) => `${millions(a.events)} (${a.note})`).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; '),
  });
  return rows;
}

export function dashboardInstantMarkdown(rows: readonly InstantRow[]): string {
  const fmt = (v: number | null, unit: InstantRow['unit']) => {
    if (v === null) return '–';
    if (Number.isNaN(v)) return 'not measured';
    if (unit === 'rows/s') return `${Math.round(v).toLocaleString('en-US')} rows/s`;
    if (unit === 'x') return `${v.toFixed(2)}×`;
    if (unit === 'events') return v.toLocaleString('en-US');
    return v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`;
  };
  const verdict = (r: InstantRow) => (r.met === null ? (Number.isNaN(r.result) ? 'not measured' : '–') : r.met ? 'met' : 'missed');
  return [
    '| measure | result | reference: native DuckDB 1 thread, same files, same queries, same run | ratio | target | met/missed | note |',
    '|---|---:|---:|---:|---|---|---|',
    ...rows.map((r) => `| ${r.measure} | ${Number.isNaN(r.result) && r.met !== null ? 'not reached' : fmt(r.result, r.unit)} | ${fmt(r.reference, r.unit === 'x' ? 'ms' : r.unit)} | ${r.ratio === null || Number.isNaN(r.ratio) ? '–' : `${r.ratio.toFixed(2)}×`} | ${r.target} | ${verdict(r)} | ${r.note} |`),
  ].join('\n');
}

if (process.argv[1]?.endsWith('dashboard-instant.ts')) {
  const sizes = (process.argv[2] ?? '1000000').split(',').map(Number);
  benchDashboardInstant({ sizes })
    .then((rows) => console.log(dashboardInstantMarkdown(rows)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
