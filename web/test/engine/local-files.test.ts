/**
 * Local Parquet files (an exported bucket opened offline): loaded with no network at all, numbers equal to native
 * DuckDB over the same files; a corrupt or wrong-schema file is reported clearly and leaves the loaded data alone.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { encodeRows } from '@privacy-analytics/core/connectors/node';
import { DAY_MS } from '@privacy-analytics/core/analytics';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EventRow } from '@privacy-analytics/core/schema';
import { loadFilesInPage, openEngine, queryInPage, type FileSpec } from '@privacy-analytics/scripts/harness';
import {
  demoEventRows,
  foreignParquet,
  launchChromium,
  mistypedEventsParquet,
  nativeQuery,
  recordRequests,
  serveHarness,
  writeTempFiles,
  type RequestLog,
  type ServedHarness,
} from '@privacy-analytics/scripts/harness';

let app: ServedHarness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let requests: RequestLog;
let rows: EventRow[];
let dayOne: FileSpec;
let dayTwo: FileSpec;
let paths: string[];

const SUMMARY_SQL = `SELECT count(*) AS events, count(DISTINCT anonymous_id) AS visitors, count(DISTINCT session_id) AS sessions,
  round(sum(revenue), 2) AS revenue, count(*) FILTER (WHERE type = 'page') AS page_views,
  min("timestamp") AS first, max("timestamp") AS last FROM events`;

beforeAll(async () => {
  const start = new Date(Date.UTC(2026, 2, 1));
  rows = await demoEventRows({ count: 6000, seed: 3, start, days: 2 });
  const split = start.getTime() + DAY_MS;
  dayOne = { name: 'date=2026-03-01.parquet', bytes: encodeRows(rows.filter((r) => r.timestamp < split)) };
  dayTwo = { name: 'date=2026-03-02.parquet', bytes: encodeRows(rows.filter((r) => r.timestamp >= split)) };
  paths = writeTempFiles([dayOne, dayTwo]);
  app = await serveHarness(inject('harnessDir'));
  browser = await launchChromium();
  context = await browser.newContext();
  requests = await recordRequests(context, [app.origin]);
  page = await context.newPage();
  await openEngine(page, app.url, { databaseName: 'local-files-test' });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('loadFiles', () => {
  it('loads local Parquet files with no network, and the numbers equal native DuckDB over the same files', async () => {
    requests.reset();
    const result = await loadFilesInPage(page, [dayOne, dayTwo]);
    expect(result).toMatchObject({ filesTotal: 2, filesDone: 2, rows: rows.length, failures: [], cancelled: false });
    expect(requests.requests).toEqual([]);

    const [browserRow] = await queryInPage(page, SUMMARY_SQL);
    const [nativeRow] = await nativeQuery(paths, SUMMARY_SQL);
    expect(browserRow!.events).toBe(rows.length);
    expect(browserRow).toEqual(nativeRow);

    const info = await page.evaluate(() => window.engine.tableInfo());
    expect(info.rows).toBe(rows.length);
    expect(info.sources.map((s) => [s.key, s.origin])).toEqual([
      [dayOne.name, 'file'],
      [dayTwo.name, 'file'],
    ]);
    expect(info.minTime).toBe(new Date(rows[0]!.timestamp).toISOString());
    expect(info.maxTime).toBe(new Date(rows.at(-1)!.timestamp).toISOString());
  });

  it('reports a corrupt file clearly and leaves the loaded data intact', async () => {
    const corrupt = { name: 'corrupt.parquet', bytes: new Uint8Array(dayOne.bytes.subarray(0, 2000)) };
    const notParquet = { name: 'notes.parquet', bytes: new TextEncoder().encode('this is not parquet at all') };
    const result = await loadFilesInPage(page, [corrupt, notParquet]);
    expect(result.rows).toBe(0);
    expect(result.failures.map((f) => f.key)).toEqual(['corrupt.parquet', 'notes.parquet']);
    expect(result.failures[0]!.error).toMatch(/^corrupt\.parquet: not a Parquet file \(2000 bytes, no PAR1 marker/);
    expect(result.failures[1]!.error).toMatch(/^notes\.parquet: not a Parquet file/);
    const [count] = await queryInPage(page, 'SELECT count(*) AS n FROM events');
    expect(count!.n).toBe(rows.length);
  });

  it('reports a damaged file with a valid footer marker', async () => {
    const damaged = new Uint8Array(dayOne.bytes);
    damaged.fill(0x55, 200, damaged.byteLength - 8);
    const result = await loadFilesInPage(page, [{ name: 'damaged.parquet', bytes: damaged }]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.error).toMatch(/^damaged\.parquet: damaged Parquet (footer|data)/);
    const [count] = await queryInPage(page, 'SELECT count(*) AS n FROM events');
    expect(count!.n).toBe(rows.length);
  });

  it('names the missing and mistyped columns of a wrong-schema file and keeps the data', async () => {
    const result = await loadFilesInPage(page, [
      { name: 'other.parquet', bytes: foreignParquet() },
      { name: 'mistyped.parquet', bytes: mistypedEventsParquet(rows.slice(0, 50)) },
    ]);
    expect(result.failures.map((f) => f.key)).toEqual(['other.parquet', 'mistyped.parquet']);
    expect(result.failures[0]!.error).toMatch(/^other\.parquet: not in the event schema: missing columns event_id, timestamp, received_at/);
    expect(result.failures[0]!.error).toContain('(the file has: a, b)');
    expect(result.failures[1]!.error).toMatch(/^mistyped\.parquet: not in the event schema: timestamp is Dictionary<Int32, Utf8>, expected timestamp; received_at is Float64, expected timestamp/);
    const info = await page.evaluate(() => window.engine.tableInfo());
    expect(info.rows).toBe(rows.length);
    expect(info.sources).toHaveLength(2);
  });

  it('replaces the table with the good files of a mixed selection and reports the bad one', async () => {
    const result = await loadFilesInPage(page, [dayTwo, { name: 'broken.parquet', bytes: new Uint8Array(10) }]);
    expect(result.failures.map((f) => f.key)).toEqual(['broken.parquet']);
    expect(result.filesDone).toBe(2);
    const [count] = await queryInPage(page, 'SELECT count(*) AS n FROM events');
    const [native] = await nativeQuery([paths[1]!], 'SELECT count(*) AS n FROM events');
    expect(count!.n).toBe(native!.n);
  });

  it('rebuilds query errors with the SQL in the message and the DuckDB error as cause', async () => {
    const error = await page.evaluate(async () => {
      try {
        await window.engine.query('SELECT no_such_column FROM events WHERE event = ?', ['x']);
        return null;
      } catch (e) {
        const err = e as Error & { sql?: string };
        return { name: err.name, message: err.message, sql: err.sql, cause: (err.cause as Error | undefined)?.message, causeStack: typeof (err.cause as Error | undefined)?.stack };
      }
    });
    expect(error).not.toBeNull();
    expect(error!.name).toBe('QueryError');
    expect(error!.message).toMatch(/Binder Error: Referenced column "no_such_column" not found/);
    expect(error!.message).toContain('-- while running:\nSELECT no_such_column FROM events WHERE event = ?');
    expect(error!.sql).toBe('SELECT no_such_column FROM events WHERE event = ?');
    expect(error!.cause).toMatch(/Binder Error/);
    expect(error!.causeStack).toBe('string');
  });

  it('binds parameters of every supported type', async () => {
    const [row] = await queryInPage(page, 'SELECT ? AS s, ? AS i, ? AS f, ? AS b, ? AS n, ? AS t, count(*) AS c FROM events WHERE event = ? AND ? = 1', [
      "it's -- not a comment ?",
      -7,
      0.125,
      true,
      null,
      '2026-03-01T00:00:00.000Z',
      'page',
      1,
    ]);
    expect(row).toMatchObject({ s: "it's -- not a comment ?", i: -7, f: 0.125, b: true, n: null });
    const [plain] = await queryInPage(page, "SELECT count(*) AS c FROM events WHERE event = 'page'");
    expect(row!.c).toBe(plain!.c);
    expect(row!.c).toBeGreaterThan(0);
  });

  it('the SQL console can neither reach the network nor unlock DuckDB', async () => {
    requests.reset();
    const outcomes = await page.evaluate(async () => {
      const run = (sql: string) => window.engine.query(sql).then(() => 'ok', (e: Error) => e.message.split('\n')[0]!);
      return {
        unlock: await run('SET lock_configuration = false'),
        autoload: await run('SET autoload_known_extensions = true'),
        load: await run('LOAD httpfs'),
        parquet: await run("SELECT * FROM read_parquet('https://example.com/x.parquet')"),
        csv: await run("SELECT * FROM read_csv('https://example.com/x.csv')"),
        attach: await run("ATTACH 'https://example.com/x.duckdb' AS x"),
      };
    });
    expect(outcomes.unlock).toMatch(/the configuration has been locked/);
    expect(outcomes.autoload).toMatch(/the configuration has been locked/);
    expect(outcomes.load).toMatch(/Loading external extensions is disabled/);
    expect(outcomes.parquet).toMatch(/read_parquet/);
    expect(outcomes.csv).toMatch(/Permission Error: Cannot access file "https:\/\/example\.com\/x\.csv"/);
    expect(outcomes.attach).toMatch(/Permission Error/);
    expect(requests.requests).toEqual([]);
  });

  it('made no request to any other origin', () => {
    expect(requests.foreign).toEqual([]);
  });
});
