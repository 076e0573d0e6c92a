/**
 * The overview from the edge's rollups in Chromium (the data worker downloads and decodes them, rollup-loader.ts)
 * against the raw overview's SQL on DuckDB-Wasm in the same page over the same range's events: on demo data, first
 * as flushed (hour files per shard), then after the edge's lifecycle has compacted the finished days. Counts and sums
 * exact, distinct counts within the sketch's error, session figures within the stated tolerance once compacted.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalEdge } from '@privacy-analytics/scripts/harness';
import { runOverview, type OverviewSpec } from '@privacy-analytics/core/analytics';
import type { QueryEngine, Row, SqlValue } from '@privacy-analytics/core/engine';
import { compareOverviews, SESSION_TOLERANCE } from '@privacy-analytics/core/rollups';
import type { DateRange, RollupOverview } from '../../src/lib/engine/data-engine';
import {
  DEMO,
  edgeManifest,
  fillEdge,
  freePort,
  launchChromium,
  manifestSettled,
  openEngine,
  recordRequests,
  runLifecycleCron,
  serveHarness,
  startEdgeFor,
  type RequestLog,
  type ServedHarness,
} from '@privacy-analytics/scripts/harness';

let app: ServedHarness;
let edge: LocalEdge;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let requests: RequestLog;
let range: DateRange;

/** The page's engine as a QueryEngine for core's overview: the SQL runs in Chromium's DuckDB-Wasm. */
const pageEngine = (): QueryEngine => ({
  query: <T extends Row = Row>(sql: string, params: readonly SqlValue[] = []) =>
    page.evaluate(async ({ sql, params }) => (await window.engine.query(sql, params as never)) as never, { sql, params: [...params] }) as Promise<T[]>,
});

const rollupOverview = (spec: OverviewSpec): Promise<RollupOverview> => page.evaluate((s) => window.engine.rollupOverview(s), spec);

beforeAll(async () => {
  app = await serveHarness(inject('harnessDir'), { port: await freePort() });
  edge = await startEdgeFor([app.origin], { testScheduled: true });
  // Four days ending the day before yesterday: compaction merges a date into day-level files only once the date is an
  // hour old (daySettleMs), so yesterday would still be hour-level between 00:00 and 01:00 UTC.
  const yesterday = (Math.floor(Date.now() / 86_400_000) - 1) * 86_400_000;
  const filled = await fillEdge(edge.url, { events: 6000, days: 4, seed: 9, endDay: yesterday });
  range = { from: filled.from, to: filled.to };
  browser = await launchChromium();
  context = await browser.newContext();
  requests = await recordRequests(context, [app.origin, edge.url]);
  page = await context.newPage();
  await openEngine(page, app.url, { databaseName: 'rollups' });
  await page.evaluate((conn) => window.engine.saveConnection(conn), { url: edge.url, site: DEMO.site, token: DEMO.readToken });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await app?.close();
});

describe('overview from rollups', () => {
  it('flush files: every count equals the raw overview, distinct counts within the sketch error; sessions must come from events', async () => {
    const spec: OverviewSpec = { ...range, filters: [], granularity: 'day' };
    requests.reset();
    const answer = await rollupOverview(spec);
    expect(answer.reason).toBeNull();
    expect(answer.sessionsFromEvents).toBe(true);
    const manifest = await edgeManifest(edge.url, range);
    expect(answer.files).toBe(manifest.length);
    // only the manifest and the rollups were read: no event file
    expect(requests.fileFetches().sort()).toEqual(manifest.map((f) => f.rollup!.key).sort());

    const load = await page.evaluate((r) => window.engine.loadRange(r), range);
    expect(load.failures).toEqual([]);
    const raw = await runOverview(pageEngine(), spec);
    const report = compareOverviews(raw, answer.result!);
    expect(report.problems).toEqual([]);
    expect(report.sessions.relative).toBeGreaterThan(0.2); // fragments of shards and hours: why the page takes sessions from events
  });

  it('after compaction: the same, and session figures within the stated tolerance; a filter falls back to events', async () => {
    const before = await edgeManifest(edge.url, range);
    await runLifecycleCron(edge.url);
    const after = await manifestSettled(edge.url, range, before, 240_000);
    expect(after.every((f) => f.hour === null && f.rollup)).toBe(true);
    const load = await page.evaluate((r) => window.engine.loadRange(r), range);
    expect(load.failures).toEqual([]);
    for (const granularity of ['day', 'hour', 'week'] as const) {
      const spec: OverviewSpec = { ...range, filters: [], granularity };
      const answer = await rollupOverview(spec);
      expect(answer.sessionsFromEvents).toBe(false);
      const report = compareOverviews(await runOverview(pageEngine(), spec), answer.result!);
      expect(report.problems).toEqual([]);
      expect(Math.abs(report.sessions.relative)).toBeLessThan(SESSION_TOLERANCE.daily.sessions);
      expect(Math.abs(report.bounceRate.difference)).toBeLessThan(SESSION_TOLERANCE.daily.bounceRate);
      expect(Math.abs(report.avgSessionSeconds.relative)).toBeLessThan(SESSION_TOLERANCE.daily.avgSessionSeconds);
    }
    const filtered = await rollupOverview({ ...range, filters: [{ column: 'country', op: 'eq', values: ['DE'] }], granularity: 'day' });
    expect(filtered).toMatchObject({ result: null, reason: 'a filter needs event rows' });
  });

  it('a confirmed answer reads the range\'s rollups in the background from the manifest it asked, not a second one', async () => {
    const spec: OverviewSpec = { ...range, filters: [], granularity: 'day' };
    const first = await rollupOverview(spec);
    expect(first.fingerprint).toBeTruthy();
    // another range first, so that the loader keeps only that day's rollups decoded
    await rollupOverview({ ...spec, to: range.from });
    const manifest = await edgeManifest(edge.url, range);
    const elsewhere = manifest.filter((f) => f.date !== range.from).map((f) => f.rollup!.key);
    expect(elsewhere.length).toBeGreaterThan(0);
    requests.reset();
    const confirmed = await page.evaluate(({ s, f }) => window.engine.rollupOverview(s, f), { s: spec, f: first.fingerprint! });
    expect(confirmed).toMatchObject({ confirmed: true, result: null, fingerprint: first.fingerprint });
    await expect.poll(() => elsewhere.every((key) => requests.fileFetches().includes(key)), { timeout: 30_000 }).toBe(true);
    const manifestAsks = requests.urls.filter((u) => u.startsWith(`${edge.url}/v1/sites/${DEMO.site}/manifest`));
    expect(manifestAsks).toHaveLength(1);
    // the next question over the range finds them decoded
    await expect.poll(async () => (await rollupOverview(spec)).downloaded, { timeout: 30_000 }).toBe(0);
  });

  it('falls back to events when a file of the range has no rollup (written before rollups)', async () => {
    // The manifest as an edge lists files written before rollups: no `rollup` on the first entry.
    const isManifest = (url: URL) => url.href.startsWith(`${edge.url}/v1/sites/${DEMO.site}/manifest`);
    await context.route(isManifest, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { files: { rollup?: unknown }[] };
      delete body.files[0]!.rollup;
      await route.fulfill({ response, json: body });
    });
    try {
      const answer = await rollupOverview({ ...range, filters: [], granularity: 'day' });
      expect(answer.result).toBeNull();
      expect(answer.reason).toMatch(/^1 of \d+ event files have no rollup/);
    } finally {
      await context.unroute(isManifest);
    }
  });
});
