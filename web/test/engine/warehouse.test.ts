/**
 * The local warehouse (issue 18) against a real edge (wrangler dev, local R2) in Chromium with a persistent profile:
 * a warm visit decodes nothing and asks the edge for the manifest only; files the edge merged (compaction) or
 * rewrote (erasure) leave the warehouse at the next sync, and an erased person has no local rows; a data worker
 * killed in the middle of a sync leaves the previous version, which the next sync brings up to date.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { runOverview, type OverviewResult, type OverviewSpec } from '@privacy-analytics/core/analytics';
import type { DateRange, LoadResult } from '../../src/lib/engine/data-engine';
import { WAREHOUSE_STORAGE_VERSION } from '../../src/lib/workers/data/duckdb-session';
import {
  CHROMIUM_ARGS,
  DEMO,
  edgeManifest,
  fillEdge,
  flushEdge,
  freePort,
  manifestSettled,
  openEngine,
  queryInPage,
  recordRequests,
  runLifecycleCron,
  serveHarness,
  startEdgeFor,
  type LocalEdge,
  type RequestLog,
  type ServedHarness,
} from '@privacy-analytics/scripts/harness';

let app: ServedHarness;
let edge: LocalEdge;
let range: DateRange;
const profile = mkdtempSync(join(tmpdir(), 'pa-warehouse-profile-'));
const open: BrowserContext[] = [];

/** A browser on the persistent profile (a browser restart: the OPFS database file stays), with the engine open. */
async function visit(): Promise<{ context: BrowserContext; page: Page; requests: RequestLog }> {
  const context = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  open.push(context);
  const requests = await recordRequests(context, [app.origin, edge.url]);
  const page = context.pages()[0] ?? (await context.newPage());
  await openEngine(page, app.url, { databaseName: 'warehouse' });
  await page.evaluate((conn) => window.engine.saveConnection(conn), { url: edge.url, site: DEMO.site, token: DEMO.readToken });
  return { context, page, requests };
}

async function leave(context: BrowserContext): Promise<void> {
  await context.close();
  open.splice(open.indexOf(context), 1);
}

const ensurePersonMap = (page: Page) => page.evaluate(() => window.engine.ensurePersonMap());
/** identity map builds the data worker started on this visit (its timeline marks) */
const personMapBuilds = async (page: Page) => (await page.evaluate(() => window.engine.timeline())).filter((m) => m.where === 'worker' && m.name === 'person map: build').length;
const loadRange = (page: Page, r: DateRange): Promise<LoadResult> => page.evaluate((r) => window.engine.loadRange(r), r);
const rowsOf = (files: readonly ManifestEntry[]) => files.reduce((n, f) => n + f.rows, 0);
const keysOf = (files: readonly { key: string }[]) => files.map((f) => f.key).sort();
const SUMMARY_SQL = `SELECT count(*) AS events, count(DISTINCT event_id) AS distinct_events, count(DISTINCT anonymous_id) AS visitors FROM events`;
/**
 * The warehouse's own bookkeeping: committed files, the tables they name (small files of a day share one) and every
 * file table there is (a table no file names would be a leftover).
 */
const CATALOG_SQL = `SELECT (SELECT count(*) FROM pa_files)::INTEGER AS files, (SELECT count(DISTINCT tbl) FROM pa_files)::INTEGER AS named, (SELECT count(*) FROM duckdb_tables() WHERE regexp_full_match(table_name, 'pa_f_[0-9]+'))::INTEGER AS tables`;
async function expectCatalog(page: Page, files: number, maxTables = files): Promise<void> {
  const [row] = await queryInPage<{ files: number; named: number; tables: number }>(page, CATALOG_SQL);
  expect(row!.files).toBe(files);
  expect(row!.named).toBeLessThanOrEqual(maxTables);
  expect(row!.tables, 'tables no committed file names').toBe(row!.named);
  expect(row!.named).toBeLessThanOrEqual(files);
}

/** Floating-point sums rounded: the overview table and `events` add revenue and durations in different orders. */
const rounded = (value: unknown): unknown =>
  typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(10)) : Array.isArray(value) ? value.map(rounded) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)])) : value;

/**
 * Waits for the local overview table to answer (it is built in the background after a load), then checks that it
 * answers a filtered overview, a sub-range by hour and an unfiltered one exactly as the same SQL over `events`.
 */
async function expectCubeEqualsEvents(page: Page): Promise<void> {
  const specs: OverviewSpec[] = [
    { from: range.from, to: range.to, filters: [{ column: 'device_type', op: 'eq', values: ['mobile'] }], granularity: 'day' },
    { from: range.to, to: range.to, filters: [{ column: 'channel', op: 'in', values: ['direct', 'organic_search'] }], granularity: 'hour' },
    { from: range.from, to: range.to, filters: [], granularity: 'day' },
  ];
  const cube = (spec: OverviewSpec) => page.evaluate((s) => window.engine.cubeOverview(s), spec);
  let answer = await cube(specs[0]!);
  for (const deadline = Date.now() + 60_000; !answer.result && Date.now() < deadline; answer = await cube(specs[0]!)) await new Promise((r) => setTimeout(r, 200));
  expect(answer.reason).toBeNull();
  const events = { query: <T,>(sql: string, params: readonly unknown[] = []) => queryInPage(page, sql, [...params]) as Promise<T[]> };
  for (const spec of specs) {
    const raw: OverviewResult = await runOverview(events as never, spec);
    expect(raw.kpis.events).toBeGreaterThan(0);
    expect(rounded((await cube(spec)).result)).toEqual(rounded(raw));
  }
  // a filter on a column the table does not keep: the events answer
  expect(await cube({ ...specs[0]!, filters: [{ column: 'os', op: 'eq', values: ['iOS'] }] })).toMatchObject({ result: null, reason: expect.stringMatching(/os/) });
}

beforeAll(async () => {
  app = await serveHarness(inject('harnessDir'), { port: await freePort() });
  edge = await startEdgeFor([app.origin], { testScheduled: true });
  const filled = await fillEdge(edge.url, { events: 3000, days: 3, seed: 18 });
  range = { from: filled.from, to: filled.to };
}, 300_000);

afterAll(async () => {
  for (const context of [...open]) await context.close().catch(() => undefined);
  await edge?.stop();
  await app?.close();
});

describe('the local warehouse across visits', () => {
  let listed: ManifestEntry[];
  let summary: Record<string, unknown>[];
  /** the files on the edge after the crash test's sync */
  let listedNow: ManifestEntry[] = [];

  it('a first visit decodes every file and keeps the rows in an OPFS database', async () => {
    listed = await edgeManifest(edge.url, range);
    const { context, page } = await visit();
    expect(await page.evaluate(() => window.engine.info())).toMatchObject({ storage: 'opfs', storageNote: null });
    const first = await loadRange(page, range);
    expect(first).toMatchObject({ cancelled: false, failures: [], rows: rowsOf(listed), decoded: listed.length });
    summary = await queryInPage(page, SUMMARY_SQL);
    expect(summary).toEqual([{ events: rowsOf(listed), distinct_events: rowsOf(listed), visitors: expect.any(Number) }]);
    // the edge's flush files are small: those of a day share a table
    await expectCatalog(page, listed.length, 3 * 2);
    await expectCubeEqualsEvents(page);
    // the file is in DuckDB's v1.3 storage format (a new file starts as empty-database.ts), so strings are stored
    // with DICT_FSST
    expect(await queryInPage(page, `SELECT path, tags['storage_version'] AS storage FROM duckdb_databases() WHERE NOT internal`)).toEqual([{ path: 'opfs://warehouse.2.duckdb', storage: `${WAREHOUSE_STORAGE_VERSION}+` }]);
    const [table] = await queryInPage(page, `SELECT tbl FROM pa_files LIMIT 1`);
    expect(await queryInPage(page, `SELECT DISTINCT compression FROM pragma_storage_info('${String(table!.tbl)}') WHERE column_name = 'event' AND segment_type = 'VARCHAR'`)).toContainEqual({ compression: 'DICT_FSST' });
    // a warehouse file of the earlier format, as a previous version left it: deleted at the next open
    await page.evaluate(async () => {
      const root = await navigator.storage.getDirectory();
      for (const name of ['warehouse.duckdb', 'warehouse.duckdb.wal']) {
        const writable = await (await root.getFileHandle(name, { create: true })).createWritable();
        await writable.write(new Uint8Array(4096).fill(1));
        await writable.close();
      }
    });
    // the identity map: built in the background once the page asks nothing, without a view asking, then kept
    // (the timeline is watched: asking would count as the page's question and hold the quiet build back)
    await expect.poll(async () => (await page.evaluate(() => window.engine.timeline())).map((m) => m.name), { timeout: 60_000, interval: 500 }).toContain('person map: built while the page is quiet');
    expect(await ensurePersonMap(page)).toBe('kept');
    expect(await personMapBuilds(page)).toBe(1);
    expect(await queryInPage(page, `SELECT count(*)::INTEGER AS n FROM person_map`)).not.toEqual([{ n: 0 }]);
    await leave(context);
  });

  it('a warm visit after a browser restart decodes nothing and asks the edge for the manifest only', async () => {
    const { context, page, requests } = await visit();
    requests.reset();
    const viewWrites = async () => (await page.evaluate(() => window.engine.timeline())).filter((m) => m.where === 'worker' && m.name === 'warehouse: events view written').length;
    const reopened = await page.evaluate((r) => window.engine.loadCachedOnly(r), range);
    const opfsFiles = await page.evaluate(async () => {
      const names: string[] = [];
      for await (const name of (await navigator.storage.getDirectory() as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
      return names.sort();
    });
    // the database, its log, and the note that a commit added files (read before DuckDB starts: see the test below)
    expect(opfsFiles).toEqual(['warehouse.2.duckdb', 'warehouse.2.duckdb.has-files', 'warehouse.2.duckdb.wal']);
    const writesBeforeSync = await viewWrites();
    expect(writesBeforeSync).toBeGreaterThan(0);
    expect(reopened).toMatchObject({ failures: [], rows: rowsOf(listed), decoded: 0 });
    expect(await queryInPage(page, SUMMARY_SQL)).toEqual(summary);
    const synced = await loadRange(page, range);
    expect(synced).toMatchObject({ failures: [], rows: rowsOf(listed), fromCache: listed.length, decoded: 0 });
    // the sync changed nothing: the `events` view the reopen wrote is not written again (a catalog write that waited
    // for the page's queued queries)
    expect(await viewWrites()).toBe(writesBeforeSync);
    const edgeRequests = requests.urls.filter((u) => u.startsWith(edge.url));
    expect(edgeRequests).toHaveLength(1);
    expect(edgeRequests[0]).toMatch(/\/v1\/sites\/demo\/manifest\?/);
    expect(requests.fileFetches()).toEqual([]);
    // the identity map kept in the warehouse for the same files: not built again
    expect(await ensurePersonMap(page)).toBe('kept');
    expect(await personMapBuilds(page)).toBe(0);
    // the overview table kept too (not built again), read once over its last day when the overview asks, then not again
    const workerMarks = async (name: string) => (await page.evaluate(() => window.engine.timeline())).filter((m) => m.where === 'worker' && m.name === name).length;
    await page.evaluate(() => window.engine.prepareOverviewTable());
    await page.evaluate(() => window.engine.prepareOverviewTable());
    expect(await workerMarks('overview table: warmed up')).toBe(1);
    expect(await workerMarks('overview table: build')).toBe(0);
    await expectCubeEqualsEvents(page);
    await leave(context);
  });

  it('files merged by compaction leave the warehouse at the next sync; the events stay, each once', async () => {
    await runLifecycleCron(edge.url);
    const merged = await manifestSettled(edge.url, range, listed);
    expect(merged.length).toBeLessThan(listed.length);
    const { context, page, requests } = await visit();
    requests.reset();
    const synced = await loadRange(page, range);
    expect(synced).toMatchObject({ failures: [], rows: rowsOf(merged) });
    // only what the edge changed is downloaded
    const unchanged = merged.filter((f) => listed.some((l) => l.key === f.key && l.etag === f.etag));
    expect(requests.fileFetches().sort()).toEqual(keysOf(merged.filter((f) => !unchanged.includes(f))));
    const info = await page.evaluate(() => window.engine.tableInfo());
    expect(keysOf(info.sources)).toEqual(keysOf(merged));
    expect(await queryInPage(page, SUMMARY_SQL)).toEqual(summary);
    await expectCatalog(page, merged.length);
    await expectCubeEqualsEvents(page);
    // other files: the kept identity map was dropped with them and is built again
    await ensurePersonMap(page);
    expect(await personMapBuilds(page)).toBe(1);
    listed = merged;
    await leave(context);
  });

  it('a person erased at the edge has no rows in the warehouse after the next sync', async () => {
    const { context, page } = await visit();
    await page.evaluate((r) => window.engine.loadCachedOnly(r), range);
    const [person] = await queryInPage<{ user_id: string; n: number }>(page, `SELECT user_id, count(*)::INTEGER AS n FROM events WHERE user_id IS NOT NULL GROUP BY 1 ORDER BY n DESC, user_id LIMIT 1`);
    expect(person!.n).toBeGreaterThan(0);
    expect(await ensurePersonMap(page)).toBe('kept');
    expect(await queryInPage(page, `SELECT count(*)::INTEGER AS n FROM person_map WHERE id = ?`, [person!.user_id])).toEqual([{ n: 1 }]);
    const admin = { authorization: `Bearer ${DEMO.adminToken}`, 'content-type': 'application/json' };
    const requested = (await (await fetch(`${edge.url}/v1/sites/${DEMO.site}/erasure`, { method: 'POST', headers: admin, body: JSON.stringify({ hashedId: person!.user_id }) })).json()) as { statusUrl: string };
    let status = { status: 'pending', rowsRemoved: 0 };
    for (const deadline = Date.now() + 120_000; status.status !== 'done' && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await (await fetch(`${edge.url}${requested.statusUrl}`, { headers: admin })).json()) as typeof status;
      expect(status.status).not.toBe('failed');
    }
    expect(status).toMatchObject({ status: 'done' });
    expect(status.rowsRemoved).toBeGreaterThanOrEqual(person!.n);
    const rewritten = await edgeManifest(edge.url, range);
    const synced = await loadRange(page, range);
    expect(synced).toMatchObject({ failures: [], rows: rowsOf(rewritten) });
    expect(await queryInPage(page, `SELECT count(*)::INTEGER AS n FROM events WHERE user_id = ?`, [person!.user_id])).toEqual([{ n: 0 }]);
    // not only hidden: no table of the warehouse holds the person's rows any more
    const tables = await queryInPage<{ table_name: string }>(page, `SELECT table_name FROM duckdb_tables() WHERE regexp_full_match(table_name, 'pa_f_[0-9]+')`);
    for (const { table_name } of tables) {
      expect(await queryInPage(page, `SELECT count(*)::INTEGER AS n FROM "${table_name}" WHERE user_id = ?`, [person!.user_id])).toEqual([{ n: 0 }]);
    }
    await expectCatalog(page, rewritten.length);
    // the overview table was dropped with the rewritten files and built again without the person
    await expectCubeEqualsEvents(page);
    expect(await queryInPage(page, `SELECT count(*)::INTEGER AS n FROM pa_overview_cube WHERE person = hash(?)`, [person!.user_id])).toEqual([{ n: 0 }]);
    expect(await queryInPage(page, `SELECT (SELECT count(*) FROM pa_overview_cube) = (SELECT count(*) FROM events) AS same`)).toEqual([{ same: true }]);
    // the identity map too: dropped with the rewritten files, built again without the person
    await ensurePersonMap(page);
    expect(await personMapBuilds(page)).toBe(1);
    expect(await queryInPage(page, `SELECT count(*)::INTEGER AS n FROM person_map WHERE id = ?`, [person!.user_id])).toEqual([{ n: 0 }]);
    listed = rewritten;
    summary = await queryInPage(page, SUMMARY_SQL);
    await leave(context);
  });

  it('a worker killed in the middle of a sync leaves the previous version; the next sync completes it', async () => {
    // new events on the edge: the next sync has files to add
    const more = await fillEdge(edge.url, { events: 1000, days: 3, seed: 81 });
    await flushEdge(edge.url);
    expect(more.accepted).toBeGreaterThan(0);
    const now = await edgeManifest(edge.url, range);
    const added = now.filter((f) => !listed.some((l) => l.key === f.key));
    expect(added.length).toBeGreaterThan(1);

    const { context, page } = await visit();
    await page.evaluate((r) => window.engine.loadCachedOnly(r), range);
    // the first new file downloads, the others wait: the sync has inserted a file but not committed
    let passed = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let insertedOne!: () => void;
    const oneThrough = new Promise<void>((resolve) => (insertedOne = resolve));
    await context.route(`${edge.url}/v1/sites/${DEMO.site}/files/**`, async (route: Route) => {
      if (passed++ === 0) {
        await route.fallback();
        setTimeout(insertedOne, 3_000);
        return;
      }
      await gate;
      await route.abort().catch(() => undefined);
    });
    await page.evaluate((r) => {
      (window as unknown as { syncOutcome: unknown }).syncOutcome = null;
      void window.engine.loadRange(r).then(
        (result) => ((window as unknown as { syncOutcome: unknown }).syncOutcome = result),
        (error: Error) => ((window as unknown as { syncOutcome: unknown }).syncOutcome = error.message),
      );
    }, range);
    await oneThrough;
    // still syncing: the other files are held
    expect(await page.evaluate(() => (window as unknown as { syncOutcome: unknown }).syncOutcome)).toBeNull();
    // the data worker (and its DuckDB worker) dies mid-sync, as when the browser kills it; then the browser closes
    await page.evaluate(() => window.engine.simulateCrash('terminate'));
    release();
    await leave(context);

    const after = await visit();
    await after.page.evaluate((r) => window.engine.loadCachedOnly(r), range);
    // the previous version, whole: the same rows, no table the catalog does not name
    expect(await queryInPage(after.page, SUMMARY_SQL)).toEqual(summary);
    await expectCatalog(after.page, listed.length);
    const synced = await loadRange(after.page, range);
    expect(synced).toMatchObject({ failures: [], rows: rowsOf(now) });
    await expectCatalog(after.page, now.length);
    listedNow = now;
    expect(await queryInPage(after.page, `SELECT count(*) AS events, count(DISTINCT event_id) AS distinct_events FROM events`)).toEqual([
      { events: rowsOf(now), distinct_events: rowsOf(now) },
    ]);
    await leave(after.context);
  });
  // the sync after the crash inserted the new files of every day together (files under a row group wait for others):
  // a table of several days
  const multiDayTable = async (page: Page) => {
    const [row] = await queryInPage<{ tbl: string; dates: string[] }>(page, `SELECT tbl, list(DISTINCT date ORDER BY date) AS dates FROM pa_files GROUP BY tbl HAVING count(DISTINCT date) > 1 ORDER BY count(*) DESC, tbl LIMIT 1`);
    expect(row, 'a table holding files of several days').toBeDefined();
    return row!;
  };

  it('the identity map of the range shown before is set aside for another range and swapped back without a build', async () => {
    const { context, page } = await visit();
    const mapOf = () => queryInPage(page, `SELECT * FROM person_map ORDER BY ALL`);
    await page.evaluate((r) => window.engine.loadCachedOnly(r), range);
    expect(['built', 'kept']).toContain(await ensurePersonMap(page));
    const whole = await mapOf();
    const builds = await personMapBuilds(page);
    await page.evaluate((r) => window.engine.loadCachedOnly(r), { from: range.to, to: range.to });
    expect(await ensurePersonMap(page)).toBe('built');
    const day = await mapOf();
    expect(day.length).toBeLessThan(whole.length);
    expect(await personMapBuilds(page)).toBe(builds + 1);
    // back to the whole range: the map set aside comes back, equal to what was built for it, and nothing is built
    await page.evaluate((r) => window.engine.loadCachedOnly(r), range);
    expect(await ensurePersonMap(page)).toBe('kept');
    expect(await personMapBuilds(page)).toBe(builds + 1);
    expect(await mapOf()).toEqual(whole);
    await leave(context);
    // kept in the database file: a browser restart on the day finds the day's map aside and swaps it back
    const again = await visit();
    await again.page.evaluate((r) => window.engine.loadCachedOnly(r), { from: range.to, to: range.to });
    expect(await ensurePersonMap(again.page)).toBe('kept');
    expect(await personMapBuilds(again.page)).toBe(0);
    expect(await queryInPage(again.page, `SELECT * FROM person_map ORDER BY ALL`)).toEqual(day);
    await leave(again.context);
  });

  it('a range that cuts through a table of several days shows only the rows of its files in the range', async () => {
    const { context, page } = await visit();
    await page.evaluate((r) => window.engine.loadCachedOnly(r), range);
    const { tbl, dates } = await multiDayTable(page);
    const day = dates[dates.length - 1]!;
    const cut = { from: day, to: day };
    const files = await edgeManifest(edge.url, cut);
    const shown = await page.evaluate((r) => window.engine.loadCachedOnly(r), cut);
    expect(shown).toMatchObject({ failures: [], rows: rowsOf(files), decoded: 0 });
    const [view] = await queryInPage<{ sql: string }>(page, `SELECT sql FROM duckdb_views() WHERE view_name = 'events'`);
    expect(view!.sql, 'the table is cut by rowid, not shown whole').toMatch(new RegExp(`${tbl}"?\\s+WHERE\\s+\\(+rowid`));
    const [got] = await queryInPage<{ events: number; distinct_events: number; min_ms: number; max_ms: number }>(
      page,
      `SELECT count(*)::INTEGER AS events, count(DISTINCT event_id)::INTEGER AS distinct_events, epoch_ms(min(timestamp))::DOUBLE AS min_ms, epoch_ms(max(timestamp))::DOUBLE AS max_ms FROM events`,
    );
    expect(got).toMatchObject({ events: rowsOf(files), distinct_events: rowsOf(files) });
    // the rows are those of the day's files: within their time spans
    expect(got!.min_ms).toBeGreaterThanOrEqual(Math.min(...files.map((f) => Date.parse(f.minTime!))));
    expect(got!.max_ms).toBeLessThanOrEqual(Math.max(...files.map((f) => Date.parse(f.maxTime!))));
    // and the whole range again: every row, each once
    await page.evaluate((r) => window.engine.loadCachedOnly(r), range);
    expect(await queryInPage(page, `SELECT count(*)::INTEGER AS events, count(DISTINCT event_id)::INTEGER AS distinct_events FROM events`)).toEqual([{ events: rowsOf(listedNow), distinct_events: rowsOf(listedNow) }]);
    await leave(context);
  });

  it('an erasure in one file of a table of several days removes the person and keeps the rows of its table-mates', async () => {
    const { context, page } = await visit();
    await page.evaluate((r) => window.engine.loadCachedOnly(r), range);
    const { tbl } = await multiDayTable(page);
    const [person] = await queryInPage<{ user_id: string }>(page, `SELECT user_id FROM "${tbl}" WHERE user_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, user_id LIMIT 1`);
    const othersSql = `SELECT count(*)::INTEGER AS events, count(DISTINCT event_id)::INTEGER AS distinct_events, sum(hash(event_id))::VARCHAR AS ids FROM events WHERE user_id IS DISTINCT FROM ?`;
    const others = await queryInPage(page, othersSql, [person!.user_id]);
    const admin = { authorization: `Bearer ${DEMO.adminToken}`, 'content-type': 'application/json' };
    const requested = (await (await fetch(`${edge.url}/v1/sites/${DEMO.site}/erasure`, { method: 'POST', headers: admin, body: JSON.stringify({ hashedId: person!.user_id }) })).json()) as { statusUrl: string };
    let status = { status: 'pending' };
    for (const deadline = Date.now() + 120_000; status.status !== 'done' && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await (await fetch(`${edge.url}${requested.statusUrl}`, { headers: admin })).json()) as typeof status;
      expect(status.status).not.toBe('failed');
    }
    expect(status).toMatchObject({ status: 'done' });
    const rewritten = await edgeManifest(edge.url, range);
    expect(await loadRange(page, range)).toMatchObject({ failures: [], rows: rowsOf(rewritten) });
    const tables = await queryInPage<{ table_name: string }>(page, `SELECT table_name FROM duckdb_tables() WHERE regexp_full_match(table_name, 'pa_f_[0-9]+')`);
    for (const { table_name } of tables) {
      expect(await queryInPage(page, `SELECT count(*)::INTEGER AS n FROM "${table_name}" WHERE user_id = ?`, [person!.user_id])).toEqual([{ n: 0 }]);
    }
    // everyone else's rows, of every file that shared the table, are there, each once
    expect(await queryInPage(page, othersSql, [person!.user_id])).toEqual(others);
    await expectCatalog(page, rewritten.length);
    await leave(context);
  });

  it('a second tab runs in memory and says why; the first keeps its warehouse and its writes', async () => {
    const { context, page } = await visit();
    const second = await context.newPage();
    await openEngine(second, app.url, { databaseName: 'warehouse' });
    expect(await second.evaluate(() => window.engine.info())).toMatchObject({ storage: 'memory', storageNote: expect.stringContaining('another tab') });
    await second.evaluate((conn) => window.engine.saveConnection(conn), { url: edge.url, site: DEMO.site, token: DEMO.readToken });
    const listedNow = await edgeManifest(edge.url, range);
    // the second tab loads from the edge into memory; the first still syncs and commits to its file
    expect(await loadRange(second, range)).toMatchObject({ failures: [], rows: rowsOf(listedNow) });
    expect(await page.evaluate(() => window.engine.info())).toMatchObject({ storage: 'opfs', storageNote: null });
    expect(await loadRange(page, range)).toMatchObject({ failures: [], rows: rowsOf(listedNow), decoded: 0 });
    await queryInPage(page, `CREATE OR REPLACE TABLE pa_two_tabs AS SELECT 1 AS x`);
    expect(await queryInPage(page, `SELECT x FROM pa_two_tabs`)).toEqual([{ x: 1 }]);
    await queryInPage(page, `DROP TABLE pa_two_tabs`);
    expect(await queryInPage(page, SUMMARY_SQL)).toEqual(await queryInPage(second, SUMMARY_SQL));
    await leave(context);
  });
});

describe('a first visit does not wait for DuckDB to start', () => {
  const freshProfile = mkdtempSync(join(tmpdir(), 'pa-warehouse-early-'));
  type Mark = { name: string; ms: number; where: string };
  const at = (marks: Mark[], name: string | RegExp) => marks.find((m) => m.where === 'worker' && (typeof name === 'string' ? m.name === name : name.test(m.name)))?.ms;

  /** A browser on `freshProfile` whose engine is asked to load at once, before anything waits for DuckDB. */
  async function loadAtOnce(): Promise<{ context: BrowserContext; page: Page; result: LoadResult; marks: Mark[] }> {
    const context = await chromium.launchPersistentContext(freshProfile, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    open.push(context);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(app.url);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    const result = await page.evaluate(
      async ({ conn, r }) => {
        window.engine = window.pa.createDataEngine({ databaseName: 'early' });
        await window.engine.saveConnection(conn);
        await window.engine.loadCachedOnly(r);
        return window.engine.loadRange(r);
      },
      { conn: { url: edge.url, site: DEMO.site, token: DEMO.readToken }, r: range },
    );
    return { context, page, result, marks: (await page.evaluate(() => window.engine.timeline())) as Mark[] };
  }

  it('a new warehouse: the manifest and the downloads start while DuckDB starts, decoded in a decode worker', async () => {
    const listedNow = await edgeManifest(edge.url, range);
    const { context, page, result, marks } = await loadAtOnce();
    expect(result).toMatchObject({ cancelled: false, failures: [], rows: rowsOf(listedNow), decoded: listedNow.length });
    expect(await page.evaluate(() => window.engine.info())).toMatchObject({ storage: 'opfs' });
    const early = at(marks, 'load: the warehouse is new, its files not waited for');
    const ready = at(marks, 'duckdb: ready');
    expect(early, 'the load went ahead without the warehouse').toBeDefined();
    expect(ready).toBeDefined();
    expect(early!).toBeLessThan(ready!);
    expect(at(marks, /^decode: a file decoded in a decode worker \(\d+ of \d+ alive\)$/)).toBeDefined();
    expect(await queryInPage(page, SUMMARY_SQL)).toEqual([{ events: rowsOf(listedNow), distinct_events: rowsOf(listedNow), visitors: expect.any(Number) }]);
    await leave(context);
  });

  it('the next visit finds files noted beside the database: it waits for the warehouse and reads nothing again', async () => {
    const listedNow = await edgeManifest(edge.url, range);
    const { context, page, result, marks } = await loadAtOnce();
    expect(result).toMatchObject({ cancelled: false, failures: [], rows: rowsOf(listedNow), decoded: 0, fromCache: listedNow.length });
    expect(at(marks, 'load: the warehouse is new, its files not waited for')).toBeUndefined();
    expect(await queryInPage(page, SUMMARY_SQL)).toEqual([{ events: rowsOf(listedNow), distinct_events: rowsOf(listedNow), visitors: expect.any(Number) }]);
    await leave(context);
  });
});
