/**
 * The funnel, retention and paths views in real Chromium: demo events written as Parquet by the edge's own writer are
 * opened through the file input (no edge), each builder is filled through the UI, and the numbers the page shows must
 * equal those the same analysis modules compute on native DuckDB over the same files. The tests run in order on one
 * page and share its state, like a user's session.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeDemoParquet } from '@privacy-analytics/scripts/harness';
import { openNativeStore } from '@privacy-analytics/core/connectors/node';
import type { EventStore } from '@privacy-analytics/core/connectors/node';
import { describeBasis, runFunnel, type FunnelResult, type FunnelSpecInput } from '@privacy-analytics/core/analytics';
import { runPaths, type PathsSpecInput } from '@privacy-analytics/core/analytics';
import { runRetention, type RetentionSpecInput } from '@privacy-analytics/core/analytics';
import { runSegment } from '@privacy-analytics/core/analytics';
import { freePort, launchChromium, serveDashboard, type ServedApp } from '@privacy-analytics/scripts/harness';

const EVENTS = 5_000;
/** A never-ending query: the engine runs one query at a time, so a run started behind it waits until cancelled. */
const LONG_SQL = 'SELECT sum(hash(i)) AS h FROM range(50000000000) t(i)';

let app: ServedApp;
let outDir: string;
let dataDir: string;
let files: string[];
let browser: Browser;
let page: Page;
let native: EventStore;
let range: { from: string; to: string };

/** The page's view states and saved items, as the tests read them (window.__dashboard). */
interface PageDashboard {
  viewState(key: string, make: () => null): { run: { status: string; result: { spec: unknown; result: unknown } | null } };
  saved: { list(kind: string, view: string): Promise<{ name: string; spec: unknown }[]> };
  view: { range: { from: string; to: string } };
  load: { info: { rows: number } | null };
  engine: { query(sql: string): Promise<unknown> };
}
type PageWindow = typeof globalThis & { __dashboard: PageDashboard; __before?: unknown; __long?: Promise<string> };

/** Clicks the run button and waits until that run has finished (a new result) or failed. */
async function run(view: string, button: string): Promise<void> {
  await page.evaluate((key) => {
    const w = window as unknown as PageWindow;
    w.__before = w.__dashboard.viewState(key, () => null).run.result;
  }, view);
  await page.getByRole('button', { name: button }).click();
  await page.waitForFunction(
    (key) => {
      const w = window as unknown as PageWindow;
      const state = w.__dashboard.viewState(key, () => null).run;
      return state.status === 'error' || (state.status === 'done' && state.result !== w.__before);
    },
    view,
    { timeout: 60_000 },
  );
}

async function ranSpec(view: string): Promise<unknown> {
  return page.evaluate((key) => (window as unknown as PageWindow).__dashboard.viewState(key, () => null).run.result?.spec, view);
}

function eventInput(name: string): Locator {
  return page.getByRole('combobox', { name, exact: true });
}

interface ShownStep {
  count: number;
  fromPrevious: number;
  fromFirst: number;
  avg: number | null;
  median: number | null;
}

async function shownSteps(): Promise<ShownStep[]> {
  return page
    .getByRole('table', { name: 'Funnel steps' })
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((tr) => {
        const attr = (name: string) => tr.querySelector(`[${name}]`)!.getAttribute(name)!;
        const optional = (name: string) => (attr(name) === '' ? null : Number(attr(name)));
        return {
          count: Number(attr('data-count')),
          fromPrevious: Number(attr('data-from-previous')),
          fromFirst: Number(attr('data-from-first')),
          avg: optional('data-avg-seconds'),
          median: optional('data-median-seconds'),
        };
      }),
    );
}

function expectStepsToMatch(shown: ShownStep[], expected: FunnelResult['steps']): void {
  expect(shown.map((s) => s.count)).toEqual(expected.map((s) => s.count));
  shown.forEach((step, k) => {
    const truth = expected[k]!;
    expect(step.fromPrevious).toBeCloseTo(truth.conversionFromPrevious, 12);
    expect(step.fromFirst).toBeCloseTo(truth.conversionFromFirst, 12);
    if (truth.avgTimeToConvertSeconds === null) expect(step.avg).toBeNull();
    else expect(step.avg!).toBeCloseTo(truth.avgTimeToConvertSeconds, 6);
    if (truth.medianTimeToConvertSeconds === null) expect(step.median).toBeNull();
    else expect(step.median!).toBeCloseTo(truth.medianTimeToConvertSeconds, 6);
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pa-behaviour-'));
  files = [await writeDemoParquet(dataDir, { seed: 11, events: EVENTS, start: '2026-10-01', days: 14 })];
  const appPort = await freePort();
  outDir = inject('dashboardDir');
  app = await serveDashboard(outDir, appPort);
  native = await openNativeStore({ threads: 1 });
  await native.resetEvents();
  await native.loadParquetFiles(files);
  browser = await launchChromium();
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1360, height: 1000 }, colorScheme: 'light' });
  page = await context.newPage();
  // Generous: starting DuckDB-Wasm and decoding hundreds of files takes a while on a busy 2-core machine.
  page.setDefaultTimeout(60_000);
}, 300_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  native?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('behaviour views in Chromium', () => {
  it('shows the empty state before data is loaded, then opens the Parquet files', async () => {
    await page.goto(`${app.url}?view=funnels`);
    await expect.poll(() => page.getByRole('heading', { name: 'No data loaded' }).isVisible(), { timeout: 90_000 }).toBe(true);
    await page.getByRole('button', { name: 'Choose a data source' }).click();
    await page.getByLabel('Choose Parquet files').setInputFiles(files);
    await page.waitForFunction((rows) => (window as unknown as PageWindow).__dashboard.load.info?.rows === rows, EVENTS, { timeout: 90_000 });
    range = await page.evaluate(() => ({ ...(window as unknown as PageWindow).__dashboard.view.range }));
    expect(range).toEqual({ from: '2026-10-01', to: '2026-10-14' });
  });

  it('opens funnels, retention and paths with starters from the loaded events and runs each without typing', async () => {
    const shots = process.env.BEHAVIOUR_SCREENSHOTS;
    await page.getByRole('link', { name: 'Funnels' }).click();
    await run('funnels', 'Run funnel');
    const funnelSpec: FunnelSpecInput = {
      steps: [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Checkout Started' }, { event: 'Order Completed' }],
      order: 'sequential',
      window: { value: 14, unit: 'day' },
      count: 'persons',
      ...range,
    };
    expect(await ranSpec('funnels')).toEqual(funnelSpec);
    const funnelTruth = await runFunnel(native, funnelSpec);
    expect(funnelTruth.steps[3]!.count).toBeGreaterThan(0);
    expectStepsToMatch(await shownSteps(), funnelTruth.steps);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByRole('note').textContent()).toContain('Filled in from the loaded events');
    if (shots) await page.screenshot({ path: join(shots, 'funnel-starter.png'), fullPage: true });

    await page.getByRole('link', { name: 'Retention' }).click();
    await run('retention', 'Run retention');
    const retentionSpec: RetentionSpecInput = {
      startEvent: { event: 'page' },
      returnEvent: { event: 'page' },
      period: 'day',
      periods: 8,
      mode: 'recurring',
      criterion: 'on',
      weekStart: 'monday',
      timeZone: 'UTC',
      ...range,
    };
    expect(await ranSpec('retention')).toEqual(retentionSpec);
    const retentionTruth = await runRetention(native, retentionSpec);
    const sizes = await page.getByRole('table', { name: 'Retention cohorts' }).locator('tbody tr[data-cohort]').evaluateAll((rows) => rows.map((tr) => Number(tr.getAttribute('data-size'))));
    expect(sizes).toEqual(retentionTruth.cohorts.map((c) => c.size));
    expect(retentionTruth.cohorts.some((c) => (c.values[1] ?? 0) > 0)).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);
    if (shots) await page.screenshot({ path: join(shots, 'retention-starter.png'), fullPage: true });

    await page.getByRole('link', { name: 'Paths' }).click();
    await run('paths', 'Run paths');
    const pathsSpec: PathsSpecInput = { start: { event: 'page' }, steps: 5, sessionBound: false, exclude: ['identify', 'alias', 'group'], minPersons: 1, ...range };
    expect(await ranSpec('paths')).toEqual(pathsSpec);
    const pathsTruth = await runPaths(native, pathsSpec);
    expect(pathsTruth.persons).toBeGreaterThan(0);
    expect(Number(await page.locator('[data-persons]').first().getAttribute('data-persons'))).toBe(pathsTruth.persons);
    expect(await page.getByRole('alert').count()).toBe(0);
    await expect.poll(() => page.getByRole('img', { name: 'Paths Sankey diagram' }).getAttribute('data-rendered')).toBe('true');
    if (shots) await page.screenshot({ path: join(shots, 'paths-starter.png'), fullPage: true });
    expect(await page.getByText('choose an event').count()).toBe(0);
  });

  it('lists every loaded event with its count, most frequent first, in a field that holds a name, and filters as one types', async () => {
    const catalog = await native.query<{ event: string; count: number }>('SELECT "event", count(*)::DOUBLE AS "count" FROM events GROUP BY 1 ORDER BY 2 DESC, 1');
    await page.getByRole('link', { name: 'Funnels' }).click();
    const field = eventInput('Step 2 event');
    expect(await field.inputValue()).toBe('Product Added');
    await field.click();
    const list = page.getByRole('listbox', { name: 'Events for Step 2 event' });
    await expect.poll(() => list.isVisible()).toBe(true);
    const shown = await list.getByRole('option').evaluateAll((options) => options.map((o) => [o.querySelector('.name')!.textContent, o.querySelector('.count')!.textContent]));
    expect(shown).toEqual(catalog.map((row) => [row.event, Number(row.count).toLocaleString('en-US')]));
    const chosen = catalog.findIndex((row) => row.event === 'Product Added');
    expect(await list.getByRole('option', { selected: true }).locator('.name').textContent()).toBe('Product Added');
    if (process.env.BEHAVIOUR_SCREENSHOTS) await page.screenshot({ path: join(process.env.BEHAVIOUR_SCREENSHOTS, 'event-list.png'), fullPage: true });
    await field.press('ArrowDown');
    await field.press('Enter');
    expect(await field.inputValue()).toBe(catalog[chosen + 1]!.event);
    expect(await list.isVisible()).toBe(false);

    await field.fill('check');
    expect(await list.getByRole('option').locator('.name').allTextContents()).toEqual(catalog.filter((row) => row.event.toLowerCase().includes('check')).map((row) => row.event));
    await list.getByRole('option').first().click();
    expect(await field.inputValue()).toBe('Checkout Started');
    expect(await list.isVisible()).toBe(false);

    const leaveOut = page.getByRole('link', { name: 'Paths' });
    await leaveOut.click();
    const exclude = eventInput('Leave out events');
    await exclude.fill('identify, alias, group, Prod');
    await page.getByRole('listbox', { name: 'Events for Leave out events' }).getByRole('option', { name: /^Product Added/ }).click();
    expect(await exclude.inputValue()).toBe('identify, alias, group, Product Added');
    await exclude.fill('identify, alias, group');
  });

  const funnel: FunnelSpecInput = {
    steps: [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Order Completed', where: [{ property: 'revenue', op: 'gt', value: 50 }] }],
    order: 'sequential',
    window: { value: 14, unit: 'day' },
    count: 'persons',
  };
  let firstFunnel: FunnelResult;

  it('builds a funnel with a filtered step and shows the counts, conversions and times native DuckDB computes', async () => {
    await page.getByRole('link', { name: 'Funnels' }).click();
    await eventInput('Step 1 event').fill('Product Viewed');
    await eventInput('Step 2 event').fill('Product Added');
    await page.getByRole('button', { name: 'Remove step 4' }).click();
    await page.getByRole('button', { name: 'Remove step 3' }).click();
    await page.getByRole('button', { name: '+ Add step' }).click();
    await eventInput('Step 3 event').fill('Order Completed');
    const filters = page.getByRole('group', { name: 'Filters on Step 3 event' });
    await filters.getByRole('button', { name: '+ filter' }).click();
    await filters.getByLabel('Property').fill('revenue');
    await filters.getByLabel('Operator').selectOption('gt');
    await filters.getByLabel('Value').fill('50');
    await run('funnels', 'Run funnel');

    const spec = { ...funnel, ...range };
    expect(await ranSpec('funnels')).toEqual(spec);
    const truth = await runFunnel(native, spec);
    firstFunnel = truth;
    expect(firstFunnel.steps[2]!.count).toBeGreaterThan(0);
    expectStepsToMatch(await shownSteps(), firstFunnel.steps);
    // The footnote: what the numbers are based on, as native DuckDB counts it, in the command line's words.
    const footnote = page.locator('footer[data-basis]');
    expect(JSON.parse((await footnote.getAttribute('data-basis'))!)).toEqual(truth.basis);
    expect(await footnote.locator('p').textContent()).toBe(describeBasis(truth.basis).join(' '));
    expect(truth.basis.events.flagged).toBe(0);
    expect(await footnote.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('img', { name: 'Funnel chart: units per step' }).getAttribute('data-rendered')).toBe('true');
  });

  it('saves the funnel as a report', async () => {
    const saved = page.getByRole('region', { name: 'Saved funnel reports' });
    await saved.getByLabel('Report name').fill('checkout funnel');
    await saved.getByRole('button', { name: 'Save report' }).click();
    await expect.poll(() => saved.getByRole('button', { name: 'Open checkout funnel' }).isVisible()).toBe(true);
    const items = await page.evaluate(() => (window as unknown as PageWindow).__dashboard.saved.list('report', 'funnels'));
    expect(items.map((i) => [i.name, i.spec])).toEqual([['checkout funnel', funnel]]);
  });

  let brokenDown: FunnelSpecInput;

  it('with an exclusion and a breakdown, shows every value native DuckDB finds, and saves the dropped persons as a segment', async () => {
    await page.getByRole('button', { name: '+ Add exclusion' }).click();
    await eventInput('Exclusion 1 event').fill('Searched');
    await page.getByLabel('Exclusion 1 after step').selectOption({ label: '2' });
    await page.getByLabel('Exclusion 1 before step').selectOption({ label: '3' });
    await page.getByLabel('Breakdown by').fill('device_type');
    await run('funnels', 'Run funnel');

    brokenDown = { ...funnel, exclusions: [{ event: 'Searched', fromStep: 1, toStep: 2 }], breakdown: { property: 'device_type' }, ...range };
    expect(await ranSpec('funnels')).toEqual(brokenDown);
    const expected = await runFunnel(native, brokenDown);
    expectStepsToMatch(await shownSteps(), expected.steps);
    const shown = await page
      .getByRole('table', { name: 'Funnel breakdown' })
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((tr) => ({ value: tr.getAttribute('data-none') === 'true' ? null : tr.getAttribute('data-value'), counts: [...tr.querySelectorAll('[data-count]')].map((td) => Number(td.getAttribute('data-count'))) })));
    expect(shown).toEqual(expected.breakdown!.map((group) => ({ value: group.value, counts: group.steps.map((s) => s.count) })));
    expect(shown.length).toBeGreaterThan(1);

    const form = page.getByRole('form', { name: 'Save dropped persons as segment' });
    await form.getByLabel('Dropped before step').selectOption({ label: '3. Order Completed' });
    await form.getByLabel('Segment name').fill('added but no big order');
    await form.getByRole('button', { name: 'Save segment' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toContain('Saved segment “added but no big order”');
    const segments = await page.evaluate(() => (window as unknown as PageWindow).__dashboard.saved.list('segment', 'segments'));
    const segment = segments.find((s) => s.name === 'added but no big order');
    expect(segment?.spec).toEqual({ condition: { type: 'funnel', funnel: brokenDown, step: 2, outcome: 'dropped' } });
    const members = await runSegment(native, segment!.spec as Parameters<typeof runSegment>[1]);
    expect(members.size).toBe(expected.steps[1]!.count - expected.steps[2]!.count);
  });

  it('explains a funnel with a single step instead of running it', async () => {
    await page.getByRole('button', { name: 'Remove step 3' }).click();
    await page.getByRole('button', { name: 'Remove step 2' }).click();
    expect(await page.getByRole('button', { name: 'Remove step 1' }).isDisabled()).toBe(true);
    await run('funnels', 'Run funnel');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('Could not run the funnel: spec.steps: a funnel needs at least 2 steps');
  });

  it('reopens the saved report into the form and runs it; deletes it', async () => {
    const saved = page.getByRole('region', { name: 'Saved funnel reports' });
    await page.evaluate(() => {
      const w = window as unknown as PageWindow;
      w.__before = w.__dashboard.viewState('funnels', () => null).run.result;
    });
    await saved.getByRole('button', { name: 'Open checkout funnel' }).click();
    await page.waitForFunction(() => {
      const w = window as unknown as PageWindow;
      const state = w.__dashboard.viewState('funnels', () => null).run;
      return state.status === 'done' && state.result !== w.__before;
    });
    expect(await eventInput('Step 3 event').inputValue()).toBe('Order Completed');
    expect(await page.getByLabel('Breakdown by').inputValue()).toBe('');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await ranSpec('funnels')).toEqual({ ...funnel, ...range });
    expectStepsToMatch(await shownSteps(), firstFunnel.steps);
    expect(await page.getByRole('table', { name: 'Funnel breakdown' }).count()).toBe(0);

    await saved.getByRole('button', { name: 'Delete checkout funnel' }).click();
    await expect.poll(() => saved.getByText('No saved reports yet.').isVisible()).toBe(true);
  });

  it('cancels a running funnel and keeps the previous result', async () => {
    await page.evaluate((sql) => {
      const w = window as unknown as PageWindow;
      w.__long = w.__dashboard.engine.query(sql).then(
        () => 'finished',
        (error: Error) => error.message,
      );
    }, LONG_SQL);
    await page.getByRole('button', { name: 'Run funnel' }).click();
    const cancel = page.getByRole('button', { name: 'Cancel' });
    await expect.poll(() => cancel.isVisible()).toBe(true);
    expect(await page.getByRole('status').filter({ hasText: 'Running…' }).count()).toBe(1);
    await cancel.click();
    await expect.poll(() => cancel.count(), { timeout: 15_000 }).toBe(0);
    expect(await page.evaluate(() => (window as unknown as PageWindow).__long)).toMatch(/cancelled/);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as PageWindow).__dashboard.viewState('funnels', () => null).run.status)).toBe('done');
    expectStepsToMatch(await shownSteps(), firstFunnel.steps);
  });

  it('shows retention cohorts with the sizes and returns native DuckDB computes', async () => {
    await page.getByRole('link', { name: 'Retention' }).click();
    await eventInput('Start event').fill('Product Viewed');
    await eventInput('Return event').fill('Product Viewed');
    await page.getByLabel('Periods').fill('7');
    await page.getByLabel('Return counted').selectOption('on_or_after');
    await run('retention', 'Run retention');

    const spec: RetentionSpecInput = {
      startEvent: { event: 'Product Viewed' },
      returnEvent: { event: 'Product Viewed' },
      period: 'day',
      periods: 7,
      mode: 'recurring',
      criterion: 'on_or_after',
      weekStart: 'monday',
      timeZone: 'UTC',
      ...range,
    };
    expect(await ranSpec('retention')).toEqual(spec);
    const expected = await runRetention(native, spec);
    const shown = await page
      .getByRole('table', { name: 'Retention cohorts' })
      .locator('tbody tr[data-cohort]')
      .evaluateAll((rows) =>
        rows.map((tr) => ({
          start: tr.getAttribute('data-cohort'),
          size: Number(tr.getAttribute('data-size')),
          returns: [...tr.querySelectorAll('[data-count]')].map((td) => Number(td.getAttribute('data-count'))),
        })),
      );
    expect(shown).toEqual(expected.cohorts.map((c) => ({ start: c.start, size: c.size, returns: c.values.slice(1) })));
    expect(shown.length).toBe(14);
    const busiest = expected.cohorts.find((c) => (c.values[1] ?? 0) > 0)!;
    expect(await page.locator(`tr[data-cohort="${busiest.start}"] td[data-period="1"]`).getAttribute('title')).toContain(`${busiest.values[1]} of ${busiest.size} persons`);
    expect(await page.getByRole('img', { name: 'Average retention by period' }).getAttribute('data-rendered')).toBe('true');
  });

  it('shows the paths after an event as a Sankey and tables with native DuckDB numbers', async () => {
    await page.getByRole('link', { name: 'Paths' }).click();
    await eventInput('Anchor event').fill('Product Added');
    await page.getByLabel('Steps', { exact: true }).fill('4');
    await run('paths', 'Run paths');

    const spec: PathsSpecInput = { start: { event: 'Product Added' }, steps: 4, sessionBound: false, exclude: ['identify', 'alias', 'group'], minPersons: 1, ...range };
    expect(await ranSpec('paths')).toEqual(spec);
    const expected = await runPaths(native, spec);
    expect(Number(await page.locator('[data-persons]').first().getAttribute('data-persons'))).toBe(expected.persons);
    const nodes = await page
      .getByRole('table', { name: 'Path nodes' })
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((tr) => ({ id: tr.getAttribute('data-node'), persons: Number(tr.getAttribute('data-persons')), dropOff: Number(tr.getAttribute('data-drop-off')) })));
    expect(nodes).toEqual(expected.nodes.slice(0, 50).map((n) => ({ id: n.id, persons: n.persons, dropOff: n.dropOff })));
    expect(nodes.some((n) => n.dropOff > 0)).toBe(true);
    const links = await page
      .getByRole('table', { name: 'Path transitions' })
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((tr) => Number(tr.getAttribute('data-persons'))));
    expect(links).toEqual(expected.links.slice(0, 50).map((l) => l.persons));
    await expect.poll(() => page.getByRole('img', { name: 'Paths Sankey diagram' }).getAttribute('data-rendered')).toBe('true');
  });

  it('keeps each view’s form and result when coming back to it', async () => {
    await page.getByRole('link', { name: 'Funnels' }).click();
    expect(await eventInput('Step 2 event').inputValue()).toBe('Product Added');
    expectStepsToMatch(await shownSteps(), firstFunnel.steps);
  });
});
