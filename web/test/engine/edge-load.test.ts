/**
 * The engine against a real edge (wrangler dev, local R2), with the in-memory warehouse and the IndexedDB cache of
 * Parquet (the fallback where OPFS cannot be used; warehouse.test.ts tests the OPFS warehouse): a date range loads with manifest pruning and the numbers
 * equal native DuckDB over the same files; unchanged files come from the IndexedDB cache, new ones from the edge;
 * LRU eviction under a tiny quota; clearing local data; live counts; restart after a crash reloads from the cache;
 * with the edge stopped a reload still shows the cached data. Every request is recorded: only the app's origin
 * and the edge are ever contacted.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalEdge } from '@privacy-analytics/scripts/harness';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import type { DateRange, LoadProgress, LoadResult, RangeLoadOptions } from '../../src/lib/engine/data-engine';
import { openEngine, queryInPage } from '@privacy-analytics/scripts/harness';
import {
  DEMO,
  downloadEdgeFiles,
  edgeManifest,
  fillEdge,
  flushEdge,
  freePort,
  launchChromium,
  nativeQuery,
  recordRequests,
  serveHarness,
  startEdgeFor,
  type RequestLog,
  type ServedHarness,
} from '@privacy-analytics/scripts/harness';
import { sendEvents } from '@privacy-analytics/scripts/collector';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';

let app: ServedHarness;
let edge: LocalEdge;
let browser: Browser;
let range: DateRange;
let manifest: ManifestEntry[];
let days: string[];
let nativePaths: string[];
const contexts: { context: BrowserContext; requests: RequestLog }[] = [];

async function newEnginePage(databaseName: string, options: { cacheQuotaBytes?: number } = {}): Promise<{ page: Page; requests: RequestLog }> {
  const context = await browser.newContext();
  const requests = await recordRequests(context, [app.origin, edge.url]);
  contexts.push({ context, requests });
  const page = await context.newPage();
  // the in-memory warehouse with the IndexedDB cache of Parquet (what runs where OPFS cannot); warehouse.test.ts has OPFS
  await openEngine(page, app.url, { databaseName, warehouse: 'memory', ...options });
  await page.evaluate((conn) => window.engine.saveConnection(conn), { url: edge.url, site: DEMO.site, token: DEMO.readToken });
  return { page, requests };
}

function loadRange(page: Page, r: DateRange, opts: Pick<RangeLoadOptions, 'columns'> = {}): Promise<LoadResult & { progress: LoadProgress[] }> {
  return page.evaluate(
    async ({ r, opts }) => {
      const progress: LoadProgress[] = [];
      const result = await window.engine.loadRange(r, { ...opts, onProgress: (p) => progress.push(p) });
      return { ...result, progress };
    },
    { r, opts },
  );
}

/** The manifest's files as the load's index lists them: newest first, with their rows and time spans. */
function indexOf(files: readonly ManifestEntry[]): { rows: number; minTime: string; maxTime: string }[] {
  return [...files].sort((a, b) => b.key.localeCompare(a.key)).map(({ rows, minTime, maxTime }) => ({ rows, minTime, maxTime }));
}

function keysOf(files: readonly ManifestEntry[]): string[] {
  return files.map((f) => f.key).sort();
}

const SUMMARY_SQL = `SELECT count(*) AS events, count(DISTINCT anonymous_id) AS visitors, count(DISTINCT session_id) AS sessions,
  count(*) FILTER (WHERE type = 'page') AS page_views, round(sum(revenue), 2) AS revenue, min("timestamp") AS first, max("timestamp") AS last FROM events`;
const BY_DAY_SQL = `SELECT strftime("timestamp", '%Y-%m-%d') AS day, count(*) AS events, count(DISTINCT anonymous_id) AS visitors FROM events GROUP BY 1 ORDER BY 1`;
const BY_COUNTRY_SQL = `SELECT country, channel, count(*) AS events FROM events GROUP BY ALL ORDER BY events DESC, country NULLS FIRST, channel LIMIT 20`;

beforeAll(async () => {
  app = await serveHarness(inject('harnessDir'), { port: await freePort() });
  edge = await startEdgeFor([app.origin]);
  const filled = await fillEdge(edge.url, { events: 4000, days: 3, seed: 5 });
  range = { from: filled.from, to: filled.to };
  manifest = await edgeManifest(edge.url, range);
  days = [...new Set(manifest.map((f) => f.date))].sort();
  nativePaths = (await downloadEdgeFiles(edge.url, range)).paths;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await app?.close();
});

describe('loading from the edge', () => {
  let page: Page;
  let requests: RequestLog;

  it('loads a date range; the numbers equal native DuckDB over the same Parquet files', async () => {
    ({ page, requests } = await newEnginePage('edge-load'));
    expect(days.length).toBeGreaterThanOrEqual(3);
    const totalRows = manifest.reduce((n, f) => n + f.rows, 0);
    const result = await loadRange(page, range);
    expect(result).toMatchObject({ cancelled: false, failures: [], filesTotal: manifest.length, filesDone: manifest.length, rows: totalRows, fromCache: 0 });
    expect(result.bytesDone).toBe(result.bytesTotal);
    expect(result.progress.at(-1)).toMatchObject({ filesDone: manifest.length, rows: totalRows });
    const done = result.progress.map((p) => p.filesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    // the first report, sent before any file is read: the totals and the index the chart over time can draw from
    expect(result.progress[0]).toMatchObject({ filesDone: 0, filesTotal: manifest.length, rows: 0, index: indexOf(manifest) });
    expect(result.progress.slice(1).some((p) => p.index)).toBe(false);

    for (const sql of [SUMMARY_SQL, BY_DAY_SQL, BY_COUNTRY_SQL]) {
      expect(await queryInPage(page, sql), sql).toEqual(await nativeQuery(nativePaths, sql));
    }
    expect(requests.fileFetches().sort()).toEqual(keysOf(manifest));
    const info = await page.evaluate(() => window.engine.tableInfo());
    expect(info.rows).toBe(totalRows);
    expect(info.sources.every((s) => s.origin === 'edge')).toBe(true);
  });

  it('reports live counts per minute from the edge', async () => {
    const live = await page.evaluate(() => window.engine.liveCounts(30));
    expect(live).toHaveLength(30);
    expect(live.every((m) => typeof m.minute === 'string' && Number.isInteger(m.accepted))).toBe(true);
    expect(live.reduce((n, m) => n + m.accepted, 0)).toBeGreaterThan(0);
  });

  it('restarts after a crash and reloads the range from the cache, without the network', async () => {
    const before = await queryInPage(page, SUMMARY_SQL);
    await page.evaluate(() => window.engine.simulateCrash('error'));
    await page.waitForFunction(() => window.engine.status === 'crashed');
    requests.reset();
    await page.evaluate(() => window.engine.restart());
    expect(await page.evaluate(() => window.engine.status)).toBe('ready');
    expect(await queryInPage(page, SUMMARY_SQL)).toEqual(before);
    expect(requests.requests.filter((r) => r.url.startsWith(edge.url))).toEqual([]);
    const info = await page.evaluate(() => window.engine.tableInfo());
    expect(info.sources.every((s) => s.origin === 'cache')).toBe(true);
  });
});

describe('manifest pruning and the partition cache', () => {
  let page: Page;
  let requests: RequestLog;

  it('fetches only the files of the days in range', async () => {
    ({ page, requests } = await newEnginePage('edge-pruning'));
    const day = days[1]!;
    const result = await loadRange(page, { from: day, to: day });
    const expected = manifest.filter((f) => f.date === day);
    expect(result).toMatchObject({ failures: [], filesTotal: expected.length, rows: expected.reduce((n, f) => n + f.rows, 0) });
    expect(requests.fileFetches().sort()).toEqual(keysOf(expected));
    const manifestCalls = requests.requests.filter((r) => r.url.includes('/manifest'));
    expect(manifestCalls.map((r) => new URL(r.url).search)).toEqual([`?from=${day}&to=${day}`]);
    expect(await queryInPage(page, BY_DAY_SQL)).toEqual((await nativeQuery(nativePaths, BY_DAY_SQL)).filter((r) => r.day === day));
  });

  it('takes unchanged files from the cache and downloads only new ones', async () => {
    const day = days[1]!;
    requests.reset();
    const again = await loadRange(page, { from: day, to: day });
    expect(requests.fileFetches()).toEqual([]);
    expect(again.fromCache).toBe(again.filesTotal);

    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const sent = await sendEvents(generateDemoEvents({ seed: 99, events: 1000, start: new Date(dayStart + 3_600_000), days: 1 }), { url: edge.url, writeKey: DEMO.writeKey, batchSize: 500, concurrency: 2 });
    expect(sent.accepted).toBeGreaterThan(0);
    await flushEdge(edge.url);
    const before = new Set(manifest.map((f) => f.key));
    const now = await edgeManifest(edge.url, { from: day, to: day });
    const added = now.filter((f) => !before.has(f.key));
    expect(added.length).toBeGreaterThan(0);

    requests.reset();
    const third = await loadRange(page, { from: day, to: day });
    expect(requests.fileFetches().sort()).toEqual(keysOf(added));
    expect(third).toMatchObject({ failures: [], filesTotal: now.length, fromCache: now.length - added.length, rows: now.reduce((n, f) => n + f.rows, 0) });
    const info = await page.evaluate(() => window.engine.tableInfo());
    expect(info.sources.filter((s) => s.origin === 'edge').map((s) => s.key).sort()).toEqual(keysOf(added));
  });

  it('decodes only the requested columns', async () => {
    const day = days[0]!;
    const result = await loadRange(page, { from: day, to: day }, { columns: ['event', 'timestamp', 'anonymous_id'] });
    expect(result.failures).toEqual([]);
    const [row] = await queryInPage(page, 'SELECT * FROM events LIMIT 1');
    expect(Object.keys(row!)).toEqual(['timestamp', 'event', 'anonymous_id']);
    const sql = `SELECT event, count(*) AS n, count(DISTINCT anonymous_id) AS visitors FROM events WHERE strftime("timestamp", '%Y-%m-%d') = '${day}' GROUP BY 1 ORDER BY 1`;
    expect(await queryInPage(page, sql)).toEqual(await nativeQuery(nativePaths, sql));
  });
});

describe('cache housekeeping', () => {
  let page: Page;
  let requests: RequestLog;

  it('evicts the least recently used files when the quota runs low', async () => {
    const [first, second] = [days[1]!, days[2]!];
    const files = await edgeManifest(edge.url, range); // the pruning tests added files to days[1]
    const bytesOf = (day: string) => files.filter((f) => f.date === day).reduce((n, f) => n + f.bytes, 0);
    // room for either day, not both: loading the second evicts part of the first (days differ in size: older days
    // are one day-level file per flush and shard, compressing better than hourly ones)
    const quota = Math.ceil(Math.max(bytesOf(first), bytesOf(second)) + Math.min(bytesOf(first), bytesOf(second)) / 2);
    ({ page, requests } = await newEnginePage('edge-eviction', { cacheQuotaBytes: quota }));

    await loadRange(page, { from: first, to: first });
    const afterFirst = await page.evaluate(() => window.engine.cacheStats());
    expect(afterFirst).toMatchObject({ files: files.filter((f) => f.date === first).length, bytes: bytesOf(first), quota });

    const secondLoad = await loadRange(page, { from: second, to: second });
    expect(secondLoad.failures).toEqual([]);
    const afterSecond = await page.evaluate(() => window.engine.cacheStats());
    expect(afterSecond.bytes).toBeLessThanOrEqual(quota);
    const secondCount = files.filter((f) => f.date === second).length;
    const firstCount = files.filter((f) => f.date === first).length;
    const survivors = afterSecond.files - secondCount;
    expect(survivors).toBeGreaterThanOrEqual(0);
    expect(survivors).toBeLessThan(firstCount);

    requests.reset();
    await loadRange(page, { from: second, to: second });
    expect(requests.fileFetches()).toEqual([]);
    requests.reset();
    await loadRange(page, { from: first, to: first });
    expect(requests.fileFetches()).toHaveLength(firstCount - survivors);
    expect((await page.evaluate(() => window.engine.cacheStats())).bytes).toBeLessThanOrEqual(quota);
  });

  it('clearLocalData empties the cache, forgets the connection and drops the data', async () => {
    await page.evaluate(() => window.engine.clearLocalData());
    expect(await page.evaluate(() => window.engine.cacheStats())).toMatchObject({ files: 0, bytes: 0 });
    expect(await page.evaluate(() => window.engine.loadConnection())).toBeNull();
    expect((await page.evaluate(() => window.engine.tableInfo())).rows).toBe(0);
    expect(await queryInPage(page, 'SELECT count(*) AS n FROM events')).toEqual([{ n: 0 }]);
    const error = await page.evaluate(() => window.engine.loadRange({ from: '2026-01-01', to: '2026-01-01' }).then(() => null, (e: Error) => e.message));
    expect(error).toMatch(/no edge connection/);
  });
});

describe('offline', () => {
  it('shows the cached data after a reload with the edge stopped', async () => {
    const { context } = contexts[0]!;
    const page = context.pages()[0]!;
    const expected = await nativeQuery(nativePaths, SUMMARY_SQL);
    await edge.stop();
    await openEngine(page, app.url, { databaseName: 'edge-load', warehouse: 'memory' });
    const online = await page.evaluate((r) => window.engine.loadRange(r).then(() => null, (e: Error) => ({ name: e.name, message: e.message })), range);
    expect(online).not.toBeNull();
    expect(online!.message).toMatch(/could not reach the edge/);
    const cached = await page.evaluate(async (r) => {
      const progress: LoadProgress[] = [];
      return { ...(await window.engine.loadCachedOnly(r, { onProgress: (p) => progress.push(p) })), first: progress[0] };
    }, range);
    expect(cached).toMatchObject({ failures: [], filesTotal: manifest.length, fromCache: manifest.length, cancelled: false });
    // the cache keeps each file's span: a reload draws the chart over time from it as from the manifest
    expect(cached.first?.index).toEqual(indexOf(manifest));
    expect(await queryInPage(page, SUMMARY_SQL)).toEqual(expected);
  });

  it('contacted no origin but the app and the edge', () => {
    for (const { requests } of contexts) {
      expect(requests.foreign).toEqual([]);
      const origins = new Set(requests.requests.map((r) => new URL(r.url).origin));
      for (const origin of origins) expect([app.origin, edge.url]).toContain(origin);
    }
  });
});

