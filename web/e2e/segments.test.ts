/**
 * The Segments and RFM views in real Chromium on local Parquet (no edge): demo events from the project's generator,
 * normalised and written by the edge's own code into one file (the harness's writeDemoParquet), opened through the
 * page's file input. Every number the page shows is checked against the same analytics modules run by native DuckDB
 * in Node over the same file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EventStore } from '@privacy-analytics/core/connectors/node';
import { openNativeStore } from '@privacy-analytics/core/connectors/node';
import { identityCoverage, runRfm, type RfmResult } from '@privacy-analytics/core/analytics';
import { runSegment, segmentMembersCsv, type SegmentCondition, type SegmentSpecInput } from '@privacy-analytics/core/analytics';
import { buildRfmGrid } from '../src/lib/state/segments/rfm-grid';
import { freePort, launchChromium, serveDashboard, writeDemoParquet, type ServedApp } from '@privacy-analytics/scripts/harness';

const EVENTS = Number(process.env.SEGMENTS_E2E_EVENTS ?? 10_000);

let dir: string;
let parquetFile: string;
let native: EventStore;
let range: { from: string; to: string };
let app: ServedApp;
let outDir: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;

function example(atLeast: number): SegmentCondition {
  return {
    and: [
      { type: 'behaviour', event: 'Order Completed', atLeast, withinDays: 30 },
      { type: 'tag', tag: 'preferred_category', op: 'eq', value: 'beauty' },
      { type: 'property', property: 'country', op: 'eq', value: 'CN' },
    ],
  };
}

/** The spec the view runs for a condition: the date range, as of its end. */
function viewSpec(condition: SegmentCondition): SegmentSpecInput {
  return { condition, from: range.from, to: range.to, asOf: range.to };
}

const condition = (position: string) => page.getByRole('group', { name: `Condition ${position}`, exact: true });
const builder = () => page.getByRole('form', { name: 'Segment builder' });

/** The spec of the result on screen once it is the one for `condition` (runs replace each other). */
async function shownResult(expected: SegmentCondition): Promise<{ size: number; spec: SegmentSpecInput }> {
  const result = page.locator('[data-segment-spec]');
  await expect
    .poll(async () => {
      const text = (await result.count()) ? await result.getAttribute('data-segment-spec') : null;
      return text ? (JSON.parse(text) as SegmentSpecInput).condition : null;
    }, { timeout: 60_000 })
    .toEqual(expected);
  const spec = JSON.parse((await result.getAttribute('data-segment-spec'))!) as SegmentSpecInput;
  return { size: Number(await page.locator('[data-segment-size]').getAttribute('data-segment-size')), spec };
}

async function openFilesInPage(): Promise<void> {
  // The data engine starts in a worker; on a busy machine that takes a while.
  await expect.poll(() => page.getByText('Starting the data engine…').count(), { timeout: 120_000 }).toBe(0);
  await page.getByRole('link', { name: 'Data sources' }).click();
  await page.getByLabel('Choose Parquet files').setInputFiles([{ name: 'demo.parquet', mimeType: 'application/octet-stream', buffer: readFileSync(parquetFile) }]);
  await expect.poll(() => page.getByLabel('Data source').textContent(), { timeout: 60_000 }).toContain('events loaded');
  // Opening files into an empty dashboard ends by showing the overview: wait for it before navigating on.
  await expect.poll(() => page.getByRole('link', { name: 'Overview' }).getAttribute('aria-current'), { timeout: 60_000 }).toBe('page');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pa-segments-e2e-'));
  const data = (async () => {
    parquetFile = await writeDemoParquet(dir, { seed: 7, events: EVENTS, start: '2026-10-24', days: 30 });
    native = await openNativeStore({ threads: 1 });
    await native.resetEvents();
    await native.loadParquetFiles([parquetFile]);
    const [span] = await native.query<{ from: string; to: string }>(`SELECT strftime(min("timestamp"), '%Y-%m-%d') AS "from", strftime(max("timestamp"), '%Y-%m-%d') AS "to" FROM events`);
    range = { from: span!.from, to: span!.to };
  })();
  outDir = inject('dashboardDir');
  await data;
  app = await serveDashboard(outDir, await freePort());
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1360, height: 1000 }, colorScheme: 'light' });
  page = await context.newPage();
}, 600_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await native?.close().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('segments and RFM in Chromium', () => {
  it('opens with a starter segment from the loaded events and runs it without typing', async () => {
    await page.goto(`${app.url}?view=connect`);
    await openFilesInPage();
    await page.getByRole('link', { name: 'Segments' }).click();
    await builder().getByRole('button', { name: 'Run segment' }).click();
    const rangeDays = (Date.parse(range.to) - Date.parse(range.from)) / 86_400_000 + 1;
    const buyers: SegmentCondition = { and: [{ type: 'behaviour', event: 'Order Completed', atLeast: 1, withinDays: rangeDays }] };
    const shown = await shownResult(buyers);
    const expected = await runSegment(native, viewSpec(buyers));
    expect(expected.size).toBeGreaterThan(0);
    expect(shown.size).toBe(expected.size);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByRole('note').textContent()).toContain('persons who did Order Completed at least once in the date range');
    // the person-count footnote: the persons of the loaded data as core's identityCoverage counts them natively
    const coverage = await identityCoverage(native);
    expect(coverage.persons).toBeGreaterThan(0);
    const note = page.locator('[data-person-note="ready"]');
    await expect.poll(() => note.getAttribute('data-persons'), { timeout: 60_000 }).toBe(String(coverage.persons));
    expect(await note.textContent()).toContain(`${coverage.persons.toLocaleString('en-US')} persons in the loaded data, ${Math.round(coverage.identifiedPersonShare * 100)} % identified`);
    if (process.env.SEGMENTS_SCREENSHOTS) await page.screenshot({ path: join(process.env.SEGMENTS_SCREENSHOTS, 'segments-starter.png'), fullPage: true });
  });

  it("builds the issue's example in the builder and counts what native DuckDB counts", async () => {

    await condition('1').getByLabel('Event', { exact: true }).fill('Order Completed');
    await condition('1').getByLabel('At least (times)').fill('3');
    await condition('1').getByLabel('Within days').fill('30');
    await builder().getByRole('button', { name: '+ condition' }).click();
    await condition('2').getByLabel('Condition type').selectOption('tag');
    await condition('2').getByLabel('Tag').selectOption('preferred_category');
    await condition('2').getByLabel('Operator').selectOption('eq');
    await condition('2').getByLabel('Value').fill('beauty');
    await builder().getByRole('button', { name: '+ condition' }).click();
    await condition('3').getByLabel('Condition type').selectOption('property');
    await condition('3').getByLabel('Property').fill('country');
    await condition('3').getByLabel('Operator').selectOption('eq');
    await condition('3').getByLabel('Value').fill('CN');
    await builder().getByRole('button', { name: 'Run segment' }).click();

    const shown = await shownResult(example(3));
    expect(shown.spec).toMatchObject({ from: range.from, to: range.to });
    expect(shown.size).toBe((await runSegment(native, viewSpec(example(3)))).size);
    await expect.poll(() => page.getByRole('img', { name: 'Segment size over time chart' }).getAttribute('data-rendered')).toBe('true');

    // One purchase is enough: a non-empty segment, its share and its sample table.
    await condition('1').getByLabel('At least (times)').fill('1');
    await builder().getByRole('button', { name: 'Run segment' }).click();
    const once = await shownResult(example(1));
    const expected = await runSegment(native, viewSpec(example(1)));
    expect(expected.size).toBeGreaterThan(0);
    expect(once.size).toBe(expected.size);
    const sample = await page.getByRole('table', { name: 'Segment members' }).locator('tbody tr td:first-child').allTextContents();
    expect(sample).toEqual(expected.members.slice(0, 50));
  });

  it('nests a negated OR group, and says when model scores are missing', async () => {
    await builder().getByRole('button', { name: '+ group' }).click();
    const group = page.getByRole('group', { name: 'Group 4', exact: true });
    await group.getByRole('button', { name: 'NOT Group 4' }).click();
    await group.getByLabel('Combine Group 4 with').selectOption('or');
    await condition('4.1').getByLabel('Tag').selectOption('lifecycle');
    await condition('4.1').getByLabel('Value').selectOption('churned');
    await group.getByRole('button', { name: '+ condition' }).click();
    await condition('4.2').getByLabel('Condition type').selectOption('tag');
    await condition('4.2').getByLabel('Tag').selectOption('rfm_tier');
    await condition('4.2').getByLabel('Value').selectOption('lost');
    await builder().getByRole('button', { name: 'Run segment' }).click();
    const nested: SegmentCondition = {
      and: [
        ...(example(1) as { and: SegmentCondition[] }).and,
        { not: { or: [{ type: 'tag', tag: 'lifecycle', op: 'eq', value: 'churned' }, { type: 'tag', tag: 'rfm_tier', op: 'eq', value: 'lost' }] } },
      ],
    };
    const shown = await shownResult(nested);
    expect(shown.size).toBe((await runSegment(native, viewSpec(nested))).size);
    await builder().getByRole('button', { name: 'Remove Group 4' }).click();

    await builder().getByRole('button', { name: '+ condition' }).click();
    await condition('4').getByLabel('Condition type').selectOption('score');
    await condition('4').getByLabel('Model').fill('churn');
    await builder().getByRole('button', { name: 'Run segment' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Segment failed' }).textContent(), { timeout: 30_000 }).toContain(
      'no model scores: score persons in the Models view first',
    );
    await builder().getByRole('button', { name: 'Remove Condition 4' }).click();
  });

  it('saves, survives a reload, reopens, runs and exports the member ids', async () => {
    await page.getByLabel('Segment name').fill('CN beauty buyers');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Saved segments' }).textContent()).toContain('CN beauty buyers');

    await page.reload();
    await openFilesInPage();
    await page.getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('button', { name: 'Open CN beauty buyers' }).click();
    const reopened = await shownResult(example(1));
    expect(reopened.size).toBe((await runSegment(native, viewSpec(example(1)))).size);
    expect(await condition('1').getByLabel('At least (times)').inputValue()).toBe('1');
    expect(await condition('3').getByLabel('Property').inputValue()).toBe('country');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export member ids (CSV)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^CN-beauty-buyers-members-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(readFileSync((await download.path())!, 'utf8')).toBe(await segmentMembersCsv(native, viewSpec(example(1))));

    // The same members as an audience for a campaign tool: hashed ids under a key typed here, never stored.
    const audience = page.getByRole('group', { name: 'Export audience CN beauty buyers' });
    await audience.getByLabel(/Hash key/).fill('a-key-of-16-chars-or-more');
    const [audienceFile] = await Promise.all([page.waitForEvent('download'), audience.getByRole('button', { name: 'Export CSV' }).click()]);
    const lines = readFileSync((await audienceFile.path())!, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^id_hash,/);
    expect(lines.length - 1).toBe(reopened.size);
    expect(lines.slice(1).every((line) => /^[0-9a-f]{64},/.test(line))).toBe(true);
  });

  it('shows the RFM grid and tiers native DuckDB computes, and opens a tier as a segment', async () => {
    await page.getByRole('link', { name: 'RFM' }).click();
    const expected: RfmResult = await runRfm(native, { asOf: range.to });
    expect(expected.persons.length).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-rfm-buyers]').getAttribute('data-rfm-buyers'), { timeout: 60_000 }).toBe(String(expected.persons.length));
    // the same footnote, from the one computation kept in the data worker, links to Data quality
    const persons = (await identityCoverage(native)).persons;
    expect(await page.locator('[data-person-note="ready"]').getAttribute('data-persons')).toBe(String(persons));

    const cells = await page.getByRole('table', { name: 'RFM grid' }).locator('td[data-persons]').evaluateAll((tds) =>
      tds.map((td) => [Number(td.getAttribute('data-r')), Number(td.getAttribute('data-f')), Number(td.getAttribute('data-persons'))]),
    );
    const grid = buildRfmGrid(expected.persons);
    expect(cells).toEqual(grid.rows.flatMap((row) => row.cells.map((c) => [c.r, c.f, c.persons])));
    expect(cells.reduce((n, [, , persons]) => n + persons!, 0)).toBe(expected.persons.length);
    const tiers = await page.getByRole('table', { name: 'RFM tiers' }).locator('tr[data-tier]').evaluateAll((rows) =>
      rows.map((tr) => ({ tier: tr.getAttribute('data-tier'), persons: Number(tr.getAttribute('data-persons')) })),
    );
    expect(tiers).toEqual(expected.tiers.map((t) => ({ tier: t.tier, persons: t.persons })));

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export all persons (CSV)' }).click()]);
    const lines = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('person,recency_days,frequency,monetary,r,f,m,tier');
    expect(lines).toHaveLength(expected.persons.length + 1);

    const biggest = [...expected.tiers].sort((a, b) => b.persons - a.persons)[0]!;
    await page.getByRole('button', { name: `Segment from tier ${biggest.tier}` }).click();
    expect(await page.getByRole('link', { name: 'Segments' }).getAttribute('aria-current')).toBe('page');
    const tierSegment = await shownResult({ and: [{ type: 'tag', tag: 'rfm_tier', op: 'eq', value: biggest.tier }] });
    expect(tierSegment.size).toBe(biggest.persons);
    expect(await condition('1').getByLabel('Value').inputValue()).toBe(biggest.tier);

    // SEGMENTS_SCREENSHOTS=<dir>: both views in light and dark, for looking at them.
    const shots = process.env.SEGMENTS_SCREENSHOTS;
    if (shots) {
      for (const theme of ['light', 'dark']) {
        if (theme === 'dark') await page.getByRole('button', { name: 'Dark mode' }).click();
        await page.screenshot({ path: join(shots, `segments-${theme}.png`), fullPage: true });
        await page.getByRole('link', { name: 'RFM' }).click();
        await page.locator('[data-rfm-buyers]').waitFor();
        await page.screenshot({ path: join(shots, `rfm-${theme}.png`), fullPage: true });
        await page.getByRole('link', { name: 'Segments' }).click();
      }
    }
    await page.locator('[data-person-note="ready"]').getByRole('link', { name: 'Data quality' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Checks on the loaded data' }).count()).toBe(1);
  });
});
