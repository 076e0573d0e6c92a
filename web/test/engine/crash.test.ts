/**
 * Worker failure: an uncaught error in the data worker, the worker vanishing silently (as when the browser kills it
 * for memory) and its nested DuckDB worker vanishing all reject every pending call with a clear error and set the
 * status to 'crashed'; restart() brings a new worker with the same data. cancelQuery() cancels the running query
 * and the ones queued before it.
 */
import type { Browser, Page } from 'playwright-core';
import { encodeRows } from '@privacy-analytics/core/connectors/node';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { EventRow } from '@privacy-analytics/core/schema';
import type { SimulatedCrash } from '../../src/lib/engine/data-engine';
import { loadFilesInPage, openEngine, queryInPage } from '@privacy-analytics/scripts/harness';
import {
  demoEventRows,
  launchChromium,
  recordRequests,
  serveHarness,
  type RequestLog,
  type ServedHarness,
} from '@privacy-analytics/scripts/harness';

/** Runs for minutes in DuckDB-Wasm: something to be pending when the worker dies. */
const LONG_SQL = 'SELECT sum(hash(i)) AS h FROM range(50000000000) t(i)';

let app: ServedHarness;
let browser: Browser;
let page: Page;
let requests: RequestLog;
let rows: EventRow[];

interface Settled {
  status: 'fulfilled' | 'rejected';
  name?: string;
  message?: string;
}

/** Starts a long query and two queued ones, fails the worker the given way, and reports how each call settled. */
function crashWithPendingCalls(kind: SimulatedCrash): Promise<{ settled: Settled[]; statuses: string[]; error: string | undefined; whileCrashed: Settled; tookMs: number }> {
  return page.evaluate(
    async ({ kind, longSql }) => {
      const statuses: string[] = [];
      let error: string | undefined;
      const off = window.engine.onStatus((status, e) => {
        statuses.push(status);
        if (e) error = e.message;
      });
      const settle = (p: Promise<unknown>) =>
        p.then(
          () => ({ status: 'fulfilled' as const }),
          (e: Error) => ({ status: 'rejected' as const, name: e.name, message: e.message }),
        );
      const pending = [window.engine.query(longSql), window.engine.query('SELECT count(*) FROM events'), window.engine.query('SELECT 1')].map(settle);
      await new Promise((r) => setTimeout(r, 300));
      const started = performance.now();
      await window.engine.simulateCrash(kind);
      const settled = await Promise.all(pending);
      const tookMs = performance.now() - started;
      const whileCrashed = await settle(window.engine.query('SELECT 1'));
      off();
      return { settled, statuses, error, whileCrashed, tookMs };
    },
    { kind, longSql: LONG_SQL },
  );
}

async function restartAndCheckData(): Promise<void> {
  requests.reset();
  await page.evaluate(() => window.engine.restart());
  expect(await page.evaluate(() => window.engine.status)).toBe('ready');
  const info = await page.evaluate(() => window.engine.tableInfo());
  expect(info.rows).toBe(rows.length);
  expect(info.sources.map((s) => s.origin)).toEqual(['file']);
  expect(await queryInPage(page, "SELECT count(*) AS n FROM events WHERE type = 'page'")).toEqual([{ n: rows.filter((r) => r.type === 'page').length }]);
  expect(requests.requests.filter((r) => !r.url.includes('/assets/') && !r.url.includes('/wasm/'))).toEqual([]);
}

beforeAll(async () => {
  rows = await demoEventRows({ count: 3000, seed: 11, start: new Date(Date.UTC(2026, 4, 1)), days: 1 });
  app = await serveHarness(inject('harnessDir'));
  browser = await launchChromium();
  const context = await browser.newContext();
  requests = await recordRequests(context, [app.origin]);
  page = await context.newPage();
  await openEngine(page, app.url, { databaseName: 'crash-test', unresponsiveAfterMs: 5_000 });
  const result = await loadFilesInPage(page, [{ name: 'events.parquet', bytes: encodeRows(rows) }]);
  expect(result.failures).toEqual([]);
});

beforeEach(async () => {
  if ((await page.evaluate(() => window.engine.status)) !== 'ready') await page.evaluate(() => window.engine.restart());
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('worker crashes', () => {
  it('an uncaught error rejects every pending call, status turns crashed, restart brings the data back', async () => {
    const { settled, statuses, error, whileCrashed } = await crashWithPendingCalls('error');
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const s of settled) {
      expect(s.name).toBe('EngineCrashedError');
      expect(s.message).toMatch(/^data worker crashed \(data worker failed: .*simulated crash of the data worker.*\); query\(\) was not completed/);
    }
    expect(settled[0]!.message).toContain(`-- while running:\n${LONG_SQL}`);
    expect(statuses).toEqual(['crashed']);
    expect(error).toMatch(/simulated crash/);
    expect(whileCrashed).toMatchObject({ status: 'rejected', name: 'EngineCrashedError' });
    await restartAndCheckData();
  });

  it('a worker that vanishes without a word is found by the heartbeat', async () => {
    const { settled, statuses, tookMs } = await crashWithPendingCalls('terminate');
    expect(settled.every((s) => s.status === 'rejected' && s.name === 'EngineCrashedError')).toBe(true);
    expect(settled[0]!.message).toMatch(/data worker stopped answering for 5 s/);
    expect(statuses).toEqual(['crashed']);
    expect(tookMs).toBeLessThan(15_000);
    await restartAndCheckData();
  });

  it('the DuckDB worker vanishing inside the data worker crashes the engine too', async () => {
    const { settled, statuses } = await crashWithPendingCalls('duckdb');
    expect(settled.every((s) => s.status === 'rejected' && s.name === 'EngineCrashedError')).toBe(true);
    expect(settled[0]!.message).toMatch(/the DuckDB worker stopped answering for 5 s/);
    expect(statuses).toEqual(['crashed']);
    await restartAndCheckData();
  });
});

describe('cancelQuery', () => {
  it('cancels the running query and the ones sent before it; a newer query runs', async () => {
    const outcome = await page.evaluate(async (longSql) => {
      const settle = (p: Promise<unknown>) =>
        p.then(
          () => ({ status: 'fulfilled', name: '', message: '' }),
          (e: Error) => ({ status: 'rejected', name: e.name, message: e.message }),
        );
      const running = settle(window.engine.query(longSql));
      const queued = settle(window.engine.query('SELECT 1 AS one'));
      await new Promise((r) => setTimeout(r, 500));
      const started = performance.now();
      await window.engine.cancelQuery();
      const newer = await window.engine.query('SELECT 2 AS two');
      return { running: await running, queued: await queued, newer, tookMs: performance.now() - started, status: window.engine.status };
    }, LONG_SQL);
    expect(outcome.running).toMatchObject({ status: 'rejected', name: 'QueryCancelledError' });
    expect(outcome.running.message).toMatch(/the query was cancelled/);
    expect(outcome.queued).toMatchObject({ status: 'rejected', name: 'QueryCancelledError' });
    expect(outcome.newer).toEqual([{ two: 2 }]);
    expect(outcome.tookMs).toBeLessThan(5_000);
    expect(outcome.status).toBe('ready');
  });
});
