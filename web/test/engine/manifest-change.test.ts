/**
 * Issue 17, "The first connect in the demo shows an error": a real edge (wrangler dev) with hourly files, as the demo
 * has them right after it starts, read while the dashboard asks for the table's summary and while the edge's
 * lifecycle changes the files under the load (compaction merges the hours into days; retention deletes a day).
 * Nothing is mocked: file downloads are only held back in the browser until the edge has changed its files, so the
 * interleaving is the same on every run.
 */
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import type { DateRange, LoadResult, TableInfo } from '../../src/lib/engine/data-engine';
import type { LoadState } from '../../src/lib/state/load-state.svelte.ts';
import {
  DEMO,
  edgeManifest,
  fillEdge,
  freePort,
  launchChromium,
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

declare global {
  interface Window {
    loadState: LoadState;
  }
}

let app: ServedHarness;
let edge: LocalEdge;
let browser: Browser;
let range: DateRange;

beforeAll(async () => {
  app = await serveHarness(inject('harnessDir'), { port: await freePort() });
  edge = await startEdgeFor([app.origin], { testScheduled: true });
  // a few hundred hourly files over three past days, as the demo's edge holds them before its compaction
  const filled = await fillEdge(edge.url, { events: 3000, days: 3, seed: 17 });
  range = { from: filled.from, to: filled.to };
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await app?.close();
});

async function newEnginePage(databaseName: string): Promise<{ page: Page; context: BrowserContext; requests: RequestLog }> {
  const context = await browser.newContext();
  const requests = await recordRequests(context, [app.origin, edge.url]);
  const page = await context.newPage();
  await openEngine(page, app.url, { databaseName });
  await page.evaluate((conn) => window.engine.saveConnection(conn), { url: edge.url, site: DEMO.site, token: DEMO.readToken });
  return { page, context, requests };
}

interface WatchedLoad {
  result: LoadResult;
  /** what tableInfo() threw while the load ran, as the dashboard's refresh of the table would have shown it */
  errors: string[];
  /** the row counts tableInfo() answered while the load ran, in order */
  rows: number[];
  info: TableInfo;
}

/** engine.loadRange while tableInfo() is asked again and again, as the dashboard does when a load first shows rows. */
function loadWhileReadingInfo(page: Page, r: DateRange): Promise<WatchedLoad> {
  return page.evaluate(async (r) => {
    const errors: string[] = [];
    const rows: number[] = [];
    let loading = true;
    const reading = (async () => {
      while (loading) {
        try {
          rows.push((await window.engine.tableInfo()).rows);
        } catch (error) {
          errors.push(`${(error as Error).name}: ${(error as Error).message}`);
        }
      }
    })();
    try {
      return { result: await window.engine.loadRange(r), errors, rows, info: await window.engine.tableInfo() };
    } finally {
      loading = false;
      await reading;
    }
  }, r);
}

/** Holds every download of an edge file in this context until release(); `held` resolves when the first is waiting. */
async function holdFileDownloads(context: BrowserContext): Promise<{ held: Promise<void>; release: () => Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let firstHeld!: () => void;
  const held = new Promise<void>((resolve) => (firstHeld = resolve));
  const pattern = `${edge.url}/v1/sites/${DEMO.site}/files/**`;
  const handler = async (route: Route) => {
    firstHeld();
    await released;
    await route.fallback();
  };
  await context.route(pattern, handler);
  return {
    held,
    release: async () => {
      release();
      await context.unroute(pattern, handler);
    },
  };
}

const rowsOf = (files: readonly ManifestEntry[]) => files.reduce((n, f) => n + f.rows, 0);
const keysOf = (files: readonly { key: string }[]) => files.map((f) => f.key).sort();
const EVENT_IDS_SQL = `SELECT count(*) AS events, count(DISTINCT event_id) AS distinct_events FROM events`;

describe('issue 17: the first connect while the edge compacts', () => {
  it('tableInfo while a load appends, swaps and extends the table never fails ("Cannot destructure property \'length\'")', async () => {
    const { page } = await newEnginePage('info-during-load');
    const hourly = await edgeManifest(edge.url, range);
    // many files (flush files: hourly for recent days, one per day and shard before), so the load publishes in steps
    expect(hourly.length).toBeGreaterThan(30);
    // the first load into an empty table publishes early and appends the rest to `events`
    const first = await loadWhileReadingInfo(page, range);
    expect(first.errors).toEqual([]);
    expect(first.result).toMatchObject({ cancelled: false, failures: [], rows: rowsOf(hourly) });
    expect(first.rows).toEqual([...first.rows].sort((a, b) => a - b));
    expect(first.info.rows).toBe(rowsOf(hourly));
    // one day: the table is rebuilt in a staging table and swapped in
    const day = hourly.filter((f) => f.date === range.to);
    const swapped = await loadWhileReadingInfo(page, { from: range.to, to: range.to });
    expect(swapped.errors).toEqual([]);
    expect(swapped.info).toMatchObject({ rows: rowsOf(day) });
    // the whole range again: the other days are appended in one transaction
    const appended = await loadWhileReadingInfo(page, range);
    expect(appended.errors).toEqual([]);
    expect(appended.info.rows).toBe(rowsOf(hourly));
    expect(keysOf(appended.info.sources)).toEqual(keysOf(hourly));
  });

  it('a first load while compaction merges the hourly files into daily ones ends with every event, then reads the daily files', async () => {
    const { page, context } = await newEnginePage('load-during-compaction');
    const hourly = await edgeManifest(edge.url, range);
    const gate = await holdFileDownloads(context);
    const loading = loadWhileReadingInfo(page, range);
    await gate.held;
    // the manifest is read; the edge now merges the files it listed, as the demo's lifecycle cron does
    await runLifecycleCron(edge.url);
    const merged = await manifestSettled(edge.url, range, hourly);
    expect(merged.length).toBeLessThan(hourly.length);
    expect(rowsOf(merged)).toBe(rowsOf(hourly));
    await gate.release();
    const first = await loading;
    // the merged hourly files stay readable for an hour: the load ends with the files it listed
    expect(first.errors).toEqual([]);
    expect(first.result).toMatchObject({ cancelled: false, failures: [], rows: rowsOf(hourly) });
    expect(keysOf(first.info.sources)).toEqual(keysOf(hourly));
    // the next load finds them unlisted and swaps in the daily files: the same events, each once
    const next = await loadWhileReadingInfo(page, range);
    expect(next.errors).toEqual([]);
    expect(next.result).toMatchObject({ cancelled: false, failures: [], rows: rowsOf(merged) });
    expect(keysOf(next.info.sources)).toEqual(keysOf(merged));
    expect(await queryInPage(page, EVENT_IDS_SQL)).toEqual([{ events: rowsOf(merged), distinct_events: rowsOf(merged) }]);
  });

  it('a file deleted between the manifest and its download: the load reads the manifest again and ends with the current files', async () => {
    const { page, context } = await newEnginePage('load-during-retention');
    const listed = await edgeManifest(edge.url, range);
    const doomed = listed.filter((f) => f.date === range.from);
    expect(doomed.length).toBeGreaterThan(0);
    const gate = await holdFileDownloads(context);
    const loading = loadWhileReadingInfo(page, range);
    await gate.held;
    // two days of retention: the range's first day is deleted from the manifest and from R2 while the load waits
    const put = await fetch(`${edge.url}/v1/sites/${DEMO.site}/settings/retention`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${DEMO.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ retentionDays: 2, confirm: true, override: true, reason: 'test: expire the oldest day while the dashboard loads' }),
    });
    expect(put.status).toBe(200);
    const kept = await manifestSettled(edge.url, range, listed);
    expect(kept.some((f) => f.date === range.from)).toBe(false);
    await expectDeleted(doomed[0]!.key);
    await gate.release();
    const load = await loading;
    expect(load.errors).toEqual([]);
    expect(load.result).toMatchObject({ cancelled: false, failures: [], rows: rowsOf(kept) });
    expect(load.info.rows).toBe(rowsOf(kept));
    expect(keysOf(load.info.sources)).toEqual(keysOf(kept));
  });

  it('a download the edge never answers is given up after 30 s and tried again', async () => {
    const { page, context, requests } = await newEnginePage('unanswered-download');
    const listed = await edgeManifest(edge.url, range);
    const newest = [...listed].sort((a, b) => b.key.localeCompare(a.key))[0]!;
    let asked = 0;
    await context.route(`${edge.url}/v1/sites/${DEMO.site}/files/**`, async (route) => {
      // its first request is left without an answer, as wrangler dev leaves some while a compaction step runs
      if (decodeURIComponent(route.request().url()).endsWith(newest.key) && asked++ === 0) return;
      await route.fallback();
    });
    const result = await page.evaluate((r) => window.engine.loadRange(r), range);
    expect(result).toMatchObject({ cancelled: false, failures: [], rows: rowsOf(listed) });
    expect(requests.fileFetches().filter((key) => key === newest.key)).toHaveLength(2);
  });

  it('a failed read of the table shows a sentence, and the banner goes once the table reads again', async () => {
    const { page } = await newEnginePage('load-state-banner');
    const listed = await edgeManifest(edge.url, range);
    const state = await page.evaluate(async (r) => {
      window.loadState = new (window.pa as unknown as { LoadState: typeof LoadState }).LoadState(window.engine);
      await window.loadState.fromEdge(r);
      return { error: window.loadState.error, rows: window.loadState.info?.rows };
    }, range);
    expect(state).toEqual({ error: null, rows: rowsOf(listed) });
    // what the SQL console can do: the table is not there when the dashboard reads it
    await queryInPage(page, 'ALTER VIEW events RENAME TO events_aside');
    const failed = await page.evaluate(async () => {
      await window.loadState.refreshInfo();
      return window.loadState.error;
    });
    expect(failed).toMatch(/^The loaded data could not be read \(Catalog Error: .*events.*\)\. Retry loads it again\.$/);
    await queryInPage(page, 'ALTER VIEW events_aside RENAME TO events');
    const after = await page.evaluate(async () => {
      await window.loadState.refreshInfo();
      return { error: window.loadState.error, rows: window.loadState.info?.rows };
    });
    expect(after).toEqual({ error: null, rows: rowsOf(listed) });
    // Retry, as the banner offers it, loads the range again and leaves no banner
    const retried = await page.evaluate(async () => {
      await window.loadState.retry();
      return { error: window.loadState.error, failures: window.loadState.failures.length, rows: window.loadState.info?.rows };
    });
    expect(retried).toEqual({ error: null, failures: 0, rows: rowsOf(listed) });
  });
});

/** Waits until the edge answers 404 for `key` (the lifecycle deletes R2 objects in the step after the manifest's). */
async function expectDeleted(key: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline) {
    const res = await fetch(`${edge.url}/v1/sites/${DEMO.site}/files/${key}`, { method: 'HEAD', headers: { authorization: `Bearer ${DEMO.readToken}` } });
    status = res.status;
    if (status === 404) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${key} was still served (HTTP ${status}) ${timeoutMs / 1000} s after retention deleted its day`);
}
