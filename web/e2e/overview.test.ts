/**
 * The dashboard in real Chromium against the local stack: the edge under wrangler dev filled with demo events,
 * the production build served by vite preview. The tests run in order on one page and share its state (the saved
 * connection, the cache), like a user's session.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NativeDuckDb, PANEL_TITLES, REPO_ROOT, type NativeOverview } from '@privacy-analytics/scripts/harness';
import { DISTINCT_TOLERANCE, distinctClose, VALUE_DISTINCT_TOLERANCE } from '@privacy-analytics/core/rollups';
import {
  DEMO,
  downloadEdgeFiles,
  freePort,
  launchChromium,
  readKpis,
  readPanel,
  readSeriesTotal,
  recordRequests,
  serveDashboard,
  startFilledEdge,
  waitForOverview,
  type FilledEdge,
  type KpiValues,
  type RequestLog,
  type ServedApp,
} from '@privacy-analytics/scripts/harness';

const EVENTS = Number(process.env.DASHBOARD_E2E_EVENTS ?? 10_000);
const SCREENSHOTS = join(REPO_ROOT, 'docs', 'screenshots');

let edge: FilledEdge;
let app: ServedApp;
let outDir: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let requests: RequestLog;
let native: NativeDuckDb;
let range30: { from: string; to: string };
let unfiltered: KpiValues;

function last30Days(): { from: string; to: string } {
  const today = new Date().toISOString().slice(0, 10);
  return { from: new Date(Date.parse(today) - 29 * 86_400_000).toISOString().slice(0, 10), to: today };
}

/** Where the page says its figures come from: `rollups` (the edge's aggregates) or `events`. */
const overviewSource = (p: Page = page) => p.locator('[data-overview-source]').getAttribute('data-overview-source');

/** Visitors and conversion from rollups are sketch estimates: equal up to 1,024 persons, else within 3 standard errors. */
function expectVisitorsClose(shown: number | null, expected: number | null, what: string): void {
  expect(shown === null, what).toBe(expected === null);
  if (shown !== null && expected !== null) expect(distinctClose(expected, shown) || distinctClose(shown, expected), `${what}: ${shown} vs ${expected}`).toBe(true);
}

/**
 * Same figures; averages and sums of doubles may differ in the last bits with the order DuckDB adds them in. Visitors
 * and conversion within the sketches' error (the same page may show them from rollups once and from events once).
 */
function expectSameKpis(shown: KpiValues, expected: KpiValues): void {
  for (const key of Object.keys(expected) as (keyof KpiValues)[]) {
    if (key === 'visitors') expectVisitorsClose(shown.visitors, expected.visitors, key);
    else if (key === 'conversionRate' && expected[key] !== null) expect(Math.abs(shown[key]! - expected[key]) <= 2 * DISTINCT_TOLERANCE * expected[key], key).toBe(true);
    else if (expected[key] === null) expect(shown[key], key).toBeNull();
    else expect(shown[key], key).toBeCloseTo(expected[key], 6);
  }
}

function expectKpisToMatch(shown: KpiValues, expected: NativeOverview['kpis']): void {
  expect(shown.events).toBe(expected.events);
  expect(shown.pageViews).toBe(expected.pageViews);
  expectVisitorsClose(shown.visitors, expected.visitors, 'visitors');
  expect(shown.sessions).toBe(expected.sessions);
  expect(shown.bounceRate).toBeCloseTo(expected.bounceRate!, 9);
  expect(shown.avgSessionSeconds).toBeCloseTo(expected.avgSessionSeconds!, 6);
  expect(Math.abs(shown.conversionRate! - expected.conversionRate!)).toBeLessThanOrEqual(2 * DISTINCT_TOLERANCE * expected.conversionRate!);
  expect(shown.revenue).toBeCloseTo(expected.revenue, 6);
}

/** Every row a panel shows has native DuckDB's numbers, and no value left out has more visitors than the last shown. */
async function expectPanelsToMatch(expected: NativeOverview): Promise<void> {
  for (const title of PANEL_TITLES) {
    const rows = await readPanel(page, title);
    const truth = expected.breakdowns[title]!;
    const skipEmpty = title === 'Top pages' || title === 'Referrers' || title === 'UTM campaigns';
    const candidates = [...truth].filter(([value]) => !(skipEmpty && value === null));
    expect(rows.length, title).toBe(Math.min(10, candidates.length));
    // counts exact; visitors of a value from rollups within its sketch's error (3.25 % standard error above 256)
    const close = (a: number, b: number) => distinctClose(a, b, true) || distinctClose(b, a, true);
    for (const row of rows) {
      const truthRow = truth.get(row.value);
      expect(truthRow, `${title}: ${row.value}`).toBeDefined();
      expect({ title, value: row.value, count: row.count }).toEqual({ title, value: row.value, count: truthRow!.count });
      expect(close(truthRow!.visitors, row.visitors), `${title} ${row.value}: ${row.visitors} visitors vs ${truthRow!.visitors}`).toBe(true);
    }
    if (rows.length && title !== 'Top pages') {
      const shown = new Set(rows.map((r) => r.value));
      const minShown = Math.min(...rows.map((r) => r.visitors));
      for (const [value, { visitors }] of candidates) if (!shown.has(value)) expect(visitors, `${title}: ${value}`).toBeLessThanOrEqual(minShown * (1 + VALUE_DISTINCT_TOLERANCE));
    }
  }
}

/** Every chart drawn and no update animating (screenshots would catch bars half way). */
async function chartsSettled(): Promise<void> {
  await page.waitForFunction(() => {
    const charts = [...document.querySelectorAll('[role="img"][data-rendered]')];
    return charts.length >= 5 && charts.every((c) => c.getAttribute('data-rendered') === 'true' && c.getAttribute('data-settled') === 'true');
  }, undefined, { timeout: 30_000 });
}

beforeAll(async () => {
  const appPort = await freePort();
  const appOrigin = `http://127.0.0.1:${appPort}`;
  edge = await startFilledEdge({ appOrigins: [appOrigin], events: EVENTS });
  outDir = inject('dashboardDir');
  app = await serveDashboard(outDir, appPort);
  native = await NativeDuckDb.open((await downloadEdgeFiles(edge.url)).paths);
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1360, height: 1000 }, colorScheme: 'light' });
  requests = await recordRequests(context, [app.origin, edge.url]);
  page = await context.newPage();
  range30 = last30Days();
}, 600_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await edge?.kill().catch(() => undefined);
  native?.close();
}, 60_000);

describe('dashboard overview in Chromium', () => {
  it('connects to the edge and shows the numbers native DuckDB computes on the same Parquet files', async () => {
    await page.goto(`${app.url}?range=30d`);
    await expect.poll(() => page.getByRole('form', { name: 'Connect to an edge' }).isVisible(), { timeout: 30_000 }).toBe(true);
    await page.getByLabel('Edge URL').fill(edge.url);
    await page.getByLabel('Site').fill(DEMO.site);
    await page.getByLabel('Read token').fill(DEMO.readToken);
    // every Parquet file is held back until the chart over time has been drawn from the edge's manifest alone
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const isFile = (url: URL) => url.href.startsWith(`${edge.url}/v1/sites/${DEMO.site}/files/`);
    await context.route(isFile, async (route) => {
      await held;
      await route.fallback();
    });
    await page.getByRole('button', { name: 'Connect' }).click();
    const expected = await native.overview(range30);
    await page.waitForSelector('[data-series-source="index"] [role="img"][data-rendered="true"]', { timeout: 60_000 });
    expect(await readSeriesTotal(page)).toBe(expected.seriesTotal);
    expect(await page.evaluate(() => (globalThis as { __dashboard?: { load: { progress: { rows: number } | null } } }).__dashboard?.load.progress?.rows)).toBe(0);
    release();
    await context.unroute(isFile);
    await waitForOverview(page);
    expect(await page.locator('[data-series-source]').getAttribute('data-series-source')).toBe('query');

    expect(expected.kpis.events).toBeGreaterThan(EVENTS * 0.9);
    // no filter, every file with its rollup: the figures come from rollups (sessions from events: flush files)
    expect(await overviewSource()).toBe('rollups');
    expect(await page.locator('[data-overview-source]').textContent()).toContain('sessions, bounce rate and duration from events');
    unfiltered = await readKpis(page);
    expectKpisToMatch(unfiltered, expected.kpis);
    expect(await readSeriesTotal(page)).toBe(expected.seriesTotal);
    await expectPanelsToMatch(expected);
    const referrers = await readPanel(page, 'Referrers');
    expect(referrers.length).toBeGreaterThan(0);
    const ownHosts = new Set((await native.rows(`SELECT DISTINCT page_url FROM events WHERE page_url IS NOT NULL`)).map((r) => new URL(String(r.page_url)).hostname.replace(/^www\./, '')));
    for (const row of referrers) expect(ownHosts.has(row.value!), `self-referral ${row.value} in Referrers`).toBe(false);
    const chart = page.getByRole('img', { name: 'Events over time chart' });
    expect(await chart.getAttribute('data-rendered')).toBe('true');
    // hovering the last day shows its figures; the legend hides a line
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width - 17, box.y + box.height / 2);
    const tooltip = chart.locator('[data-chart-tooltip]');
    const [lastDay] = await native.rows(`SELECT count(*) AS n FROM events WHERE timestamp >= '${range30.to}'::TIMESTAMP AND timestamp < '${range30.to}'::TIMESTAMP + INTERVAL 1 DAY`);
    await expect.poll(() => tooltip.textContent()).toContain(range30.to);
    expect(await tooltip.textContent()).toContain(`Events ${Number(lastDay!.n).toLocaleString('en')}`);
    const visitors = page.locator('.series').getByRole('button', { name: 'Visitors' });
    await visitors.click();
    expect(await visitors.getAttribute('aria-pressed')).toBe('false');
    await page.mouse.move(box.x + box.width - 17, box.y + box.height / 2);
    await expect.poll(() => tooltip.textContent()).toContain('Page views');
    expect(await tooltip.textContent()).not.toContain('Visitors');
    await visitors.click();
    await page.mouse.move(0, 0);
    expect(page.url()).not.toContain(DEMO.readToken);
    expect(page.url()).not.toContain(encodeURIComponent(edge.url));
  });

  it('shows live events per minute from the edge', async () => {
    const live = page.getByRole('region', { name: /^Live/ });
    await expect.poll(async () => Number(await live.locator('[data-live-total]').getAttribute('data-live-total')), { timeout: 20_000 }).toBeGreaterThan(0);
  });

  it('applies a filter to every panel consistently and keeps it in a shareable URL', async () => {
    const [topCountry] = await readPanel(page, 'Countries');
    const country = topCountry!.value!;
    const form = page.getByRole('form', { name: 'Add filter' });
    await form.getByLabel('Column').selectOption('country');
    await form.getByLabel('Condition').selectOption('eq');
    await form.getByLabel('Value').fill(country);
    await form.getByRole('button', { name: 'Add filter' }).click();
    await waitForOverview(page, `country:eq:${country}`);

    const expected = await native.overview(range30, { column: 'country', value: country });
    const filtered = await readKpis(page);
    expect(await overviewSource()).toBe('events');
    expectKpisToMatch(filtered, expected.kpis);
    expect(filtered.visitors!).toBeLessThan(unfiltered.visitors!);
    expect(filtered.events!).toBeLessThan(unfiltered.events!);
    expect(await readSeriesTotal(page)).toBe(expected.seriesTotal);
    await expectPanelsToMatch(expected);
    expect(await readPanel(page, 'Countries')).toEqual([{ value: country, visitors: filtered.visitors, count: filtered.events }]);
    const channels = await readPanel(page, 'Channels');
    expect(Math.max(...channels.map((r) => r.visitors))).toBeLessThanOrEqual(filtered.visitors!);

    const shared = new URL(page.url());
    expect(shared.searchParams.getAll('f')).toEqual([`country:eq:${country}`]);
    expect(shared.search).not.toContain(DEMO.readToken);

    const second = await context.newPage();
    await second.goto(shared.href);
    await waitForOverview(second, `country:eq:${country}`);
    expectSameKpis(await readKpis(second), filtered);
    await expect.poll(() => second.getByRole('list', { name: 'Active filters' }).textContent()).toContain(`country is ${country}`);
    await second.close();

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitForOverview(page, `${range30.from}..${range30.to}|day|`);
    expectSameKpis(await readKpis(page), unfiltered);
  });

  it('renders in light and dark (screenshots for the docs)', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await chartsSettled();
    await page.screenshot({ path: join(SCREENSHOTS, 'overview-light.png'), fullPage: true });

    await page.getByRole('button', { name: 'Dark mode' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await expect.poll(() => page.locator('[role="img"][data-rendered="true"]').count()).toBeGreaterThanOrEqual(5);
    await chartsSettled();
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(18, 21, 28)');
    await page.screenshot({ path: join(SCREENSHOTS, 'overview-dark.png'), fullPage: true });

    await page.getByRole('button', { name: 'Dark mode' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
  });

  it('runs SQL in the console, exports CSV and shows errors with the SQL', async () => {
    await page.getByRole('link', { name: 'SQL console' }).click();
    await page.getByLabel('SQL', { exact: true }).fill("SELECT channel, count(*) AS n FROM events WHERE type = 'page' GROUP BY channel ORDER BY n DESC, channel");
    await page.getByRole('button', { name: 'Run query' }).click();
    const table = page.getByRole('table', { name: 'Query results' });
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 30_000 }).toBeGreaterThan(1);
    const expected = await native.rows("SELECT channel, count(*) AS n FROM events WHERE type = 'page' GROUP BY channel ORDER BY n DESC, channel");
    const shown = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(shown).toEqual(expected.map((r) => [String(r.channel), String(r.n)]));

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('channel,n');
    expect(csv.split('\r\n')[1]).toBe(`${String(expected[0]!.channel)},${String(expected[0]!.n)}`);

    const bad = 'SELECT no_such_column FROM events';
    await page.getByLabel('SQL', { exact: true }).fill(bad);
    await page.getByRole('button', { name: 'Run query' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Query failed' });
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toContain('no_such_column');
    expect(await page.getByLabel('Failed SQL').textContent()).toBe(bad);
  });

  it('opening a corrupt or wrong-schema Parquet file says so and keeps the loaded data', async () => {
    await page.getByRole('link', { name: 'Data sources' }).click();
    const wrongSchema = join(mkdtempSync(join(tmpdir(), 'pa-wrong-')), 'wrong-schema.parquet');
    await native.rows(`COPY (SELECT 1 AS x, 'y' AS label) TO '${wrongSchema}' (FORMAT parquet)`);
    await page.getByLabel('Choose Parquet files').setInputFiles([
      { name: 'broken.parquet', mimeType: 'application/octet-stream', buffer: Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(2048, 7), Buffer.from('PAR1')]) },
      { name: 'wrong-schema.parquet', mimeType: 'application/octet-stream', buffer: readFileSync(wrongSchema) },
    ]);
    const failures = page.getByRole('list', { name: 'Failed files' });
    await expect.poll(() => failures.textContent(), { timeout: 30_000 }).toContain('broken.parquet');
    expect(await failures.textContent()).toContain('wrong-schema.parquet');
    await page.getByRole('link', { name: 'Overview' }).click();
    await waitForOverview(page);
    expectSameKpis(await readKpis(page), unfiltered);
    expect(await page.getByLabel('Data source').textContent()).toContain(DEMO.site);
  });

  it('restarts a crashed engine from the banner', async () => {
    await page.evaluate(() => (globalThis as unknown as { __dashboard: { engine: { simulateCrash(k: string): Promise<void> } } }).__dashboard.engine.simulateCrash('error').catch(() => undefined));
    const restart = page.getByRole('button', { name: 'Restart engine' });
    await expect.poll(() => restart.isVisible(), { timeout: 30_000 }).toBe(true);
    await restart.click();
    await expect.poll(() => restart.isVisible(), { timeout: 60_000 }).toBe(false);
    await waitForOverview(page);
    expectSameKpis(await readKpis(page), unfiltered);
  });

  it('reloaded with the edge stopped, still shows the cached data', async () => {
    await edge.stop();
    await page.reload();
    await waitForOverview(page);
    expectSameKpis(await readKpis(page), unfiltered);
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Could not load from the edge' }).count(), { timeout: 60_000 }).toBe(1);
  });

  it('clear local data empties the cache and forgets the connection', async () => {
    await page.getByRole('link', { name: 'Data sources' }).click();
    await page.getByRole('button', { name: 'Clear local data' }).click();
    await expect.poll(() => page.locator('[data-loaded-rows]').getAttribute('data-loaded-rows'), { timeout: 30_000 }).toBe('0');
    await page.reload();
    await expect.poll(() => page.getByRole('form', { name: 'Connect to an edge' }).isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await page.getByLabel('Read token').inputValue()).toBe('');
    expect(await page.locator('[data-loaded-rows]').getAttribute('data-loaded-rows')).toBe('0');
  });

  it('made no request to any host but the app and the edge', () => {
    expect(requests.urls.some((u) => u.startsWith(`${edge.url}/v1/sites/${DEMO.site}/manifest`))).toBe(true);
    expect(requests.urls.some((u) => u.startsWith(app.origin))).toBe(true);
    expect(requests.foreign).toEqual([]);
  });
});
