/**
 * DuckDB build selection: the threaded COI build on a cross-origin isolated page (COOP/COEP) with 4 or more cores, the
 * single-threaded EH build with fewer cores or on the same app served without those headers, and the MVP build when
 * forced. Same answers from each.
 */
import type { Browser, Page } from 'playwright-core';
import { encodeRows } from '@privacy-analytics/core/connectors/node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DataEngineOptions } from '../../src/lib/engine/data-engine';
import { loadFilesInPage, openEngine, queryInPage, type FileSpec } from '@privacy-analytics/scripts/harness';
import {
  demoEventRows,
  launchChromium,
  nativeQuery,
  recordRequests,
  serveHarness,
  writeTempFiles,
  type ServedHarness,
} from '@privacy-analytics/scripts/harness';

const SQL = `SELECT event, count(*) AS n, count(DISTINCT anonymous_id) AS visitors, round(sum(revenue), 2) AS revenue
  FROM events GROUP BY event ORDER BY n DESC, event`;

let isolated: ServedHarness;
let plain: ServedHarness;
let browser: Browser;
let file: FileSpec;
let expected: Record<string, unknown>[];

/** A page with the engine open; `cores` makes the page report that many (the engine chooses its build by them). */
async function enginePage(app: ServedHarness, options: DataEngineOptions, cores?: number): Promise<{ page: Page; foreign: string[] }> {
  const context = await browser.newContext();
  const requests = await recordRequests(context, [app.origin]);
  const page = await context.newPage();
  if (cores !== undefined) await page.addInitScript({ content: `Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => ${cores} });` });
  await openEngine(page, app.url, options);
  return { page, foreign: requests.foreign };
}

beforeAll(async () => {
  const rows = await demoEventRows({ count: 5000, seed: 21, start: new Date(Date.UTC(2026, 5, 1)), days: 2 });
  file = { name: 'events.parquet', bytes: encodeRows(rows) };
  expected = await nativeQuery(writeTempFiles([file]), SQL);
  const dir = inject('harnessDir');
  isolated = await serveHarness(dir, { crossOriginIsolation: true });
  plain = await serveHarness(dir, { crossOriginIsolation: false });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await isolated?.close();
  await plain?.close();
});

describe('DuckDB build selection', () => {
  it('uses the threaded COI build when the page is cross-origin isolated and has 4 or more cores', async () => {
    // threads are chosen when the warehouse is kept in memory (with OPFS the single-threaded build runs)
    const { page, foreign } = await enginePage(isolated, { databaseName: 'threads-coi', warehouse: 'memory' }, 8);
    expect(await page.evaluate(() => navigator.hardwareConcurrency)).toBe(8);
    expect(await page.evaluate(() => ({ isolated: crossOriginIsolated, sab: typeof SharedArrayBuffer }))).toEqual({ isolated: true, sab: 'function' });
    const info = await page.evaluate(() => window.engine.info());
    expect(info).toMatchObject({ bundle: 'coi', crossOriginIsolated: true });
    expect(info.threads).toBeGreaterThanOrEqual(2);
    expect(await queryInPage(page, "SELECT current_setting('threads') AS threads")).toEqual([{ threads: info.threads }]);
    await loadFilesInPage(page, [file]);
    expect(await queryInPage(page, SQL)).toEqual(expected);
    expect(foreign).toEqual([]);
  });

  it('keeps the warehouse in OPFS with the single-threaded EH build on an isolated page with 4 or more cores', async () => {
    const { page, foreign } = await enginePage(isolated, { databaseName: 'threads-opfs' }, 8);
    expect(await page.evaluate(() => window.engine.info())).toMatchObject({ bundle: 'eh', threads: 1, storage: 'opfs', storageNote: null });
    await loadFilesInPage(page, [file]);
    expect(await queryInPage(page, SQL)).toEqual(expected);
    expect(foreign).toEqual([]);
  });

  it('uses the single-threaded EH build on an isolated page with fewer than 4 cores', async () => {
    const { page, foreign } = await enginePage(isolated, { databaseName: 'threads-two-cores' }, 2);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.evaluate(() => window.engine.info())).toMatchObject({ bundle: 'eh', crossOriginIsolated: true, threads: 1 });
    await loadFilesInPage(page, [file]);
    expect(await queryInPage(page, SQL)).toEqual(expected);
    expect(foreign).toEqual([]);
  });

  it('falls back to the single-threaded EH build on a page served without COOP/COEP', async () => {
    const { page, foreign } = await enginePage(plain, { databaseName: 'threads-eh' });
    expect(await page.evaluate(() => ({ isolated: crossOriginIsolated, sab: typeof SharedArrayBuffer }))).toEqual({ isolated: false, sab: 'undefined' });
    expect(await page.evaluate(() => window.engine.info())).toMatchObject({ bundle: 'eh', crossOriginIsolated: false, threads: 1 });
    await loadFilesInPage(page, [file]);
    expect(await queryInPage(page, SQL)).toEqual(expected);
    expect(foreign).toEqual([]);
  });

  it('runs the MVP build for browsers without wasm exceptions', async () => {
    const { page } = await enginePage(plain, { databaseName: 'threads-mvp', bundle: 'mvp' });
    expect(await page.evaluate(() => window.engine.info())).toMatchObject({ bundle: 'mvp', threads: 1 });
    await loadFilesInPage(page, [file]);
    expect(await queryInPage(page, SQL)).toEqual(expected);
  });

  it('refuses the COI build on a page that is not isolated, with a clear crash reason', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(plain.url);
    const outcome = await page.evaluate(async () => {
      const engine = window.pa.createDataEngine({ databaseName: 'threads-bad', bundle: 'coi' });
      const error = await engine.info().then(() => null, (e: Error) => e.message);
      return { error, status: engine.status };
    });
    expect(outcome.status).toBe('crashed');
    expect(outcome.error).toMatch(/threaded DuckDB build needs a cross-origin isolated page/);
  });
});
