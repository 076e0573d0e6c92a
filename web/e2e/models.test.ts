/**
 * The Models view in real Chromium, on demo Parquet opened through the page's file input, under a
 * Content-Security-Policy without 'unsafe-eval' (on the page and on every worker script): the scores in
 * person_scores equal `npm run analyze -- score` on the same files, the risk list shows drivers,
 * recommendations equal `analyze recommend` and leave bought products out, retraining in the training
 * worker yields metrics, and nothing is fetched from another origin.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runModelCommand } from '@privacy-analytics/scripts/analyze/commands-models';
import { freePort, launchChromium, recordRequests, REPO_ROOT, serveDashboard, writeDemoParquet, type RequestLog, type ServedApp } from '@privacy-analytics/scripts/harness';

const EVENTS = Number(process.env.MODELS_E2E_EVENTS ?? 5_000);
/** 60 days leave room for propensity's cut-offs (14 days of history, a 7-day horizon, a 28-day evaluation window) */
const DAYS = 60;
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'";

interface PageHandle {
  __dashboard: { engine: { query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]> } };
}

let app: ServedApp;
let outDir: string;
let dataDir: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let requests: RequestLog;
const cspViolations: string[] = [];

function parquetFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? parquetFiles(path) : name.endsWith('.parquet') ? [path] : [];
  });
}

const HASH_KEY = 'models-e2e-hash-key-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';

/** One CSV line (audience.ts quotes cells with commas or quotes, doubling the quotes). */
function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

const cliCache = new Map<string, Promise<unknown>>();

/** The CLI's own function in this process; each distinct call once (it loads every file again). */
function cli(argv: string[]): Promise<unknown> {
  const key = argv.join('\u0000');
  if (!cliCache.has(key)) cliCache.set(key, runCli(argv));
  return cliCache.get(key)!;
}

async function runCli(argv: string[]): Promise<unknown> {
  let out = '';
  let err = '';
  const code = await runModelCommand(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  if (code !== 0) throw new Error(`analyze ${argv.join(' ')} exited ${code}: ${err}`);
  return JSON.parse(out) as unknown;
}

function query<T>(sql: string): Promise<T[]> {
  return page.evaluate((text) => (globalThis as unknown as PageHandle).__dashboard.engine.query(text), sql) as Promise<T[]>;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pa-models-e2e-'));
  const generate = writeDemoParquet(dataDir, { events: EVENTS, days: DAYS });
  outDir = inject('dashboardDir');
  await generate;
  app = await serveDashboard(outDir, await freePort());
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1360, height: 1000 }, colorScheme: 'light', acceptDownloads: true });
  requests = await recordRequests(context, [app.origin]);
  page = await context.newPage();
  // The policy the dashboard must run under, on the document and on each worker script (workers take their own).
  await page.route(`${app.origin}/**`, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CSP } });
  });
  page.on('console', (message) => {
    if (/Content.Security.Policy|unsafe-eval/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => {
    if (/Content.Security.Policy|unsafe-eval|EvalError/i.test(error.message)) cspViolations.push(error.message);
  });
}, 600_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('Models view in Chromium', () => {
  it('scores every person with churn and propensity as the CLI does, into person_scores', async () => {
    await page.goto(`${app.url}?view=connect`);
    const input = page.locator('input[type="file"]');
    await input.waitFor({ state: 'attached', timeout: 120_000 });
    await input.setInputFiles(parquetFiles(dataDir));
    await page.waitForFunction(
      () => {
        const text = document.querySelector('[aria-label="Data source"]')?.textContent ?? '';
        return /events loaded/.test(text) && !/\b0 events/.test(text);
      },
      undefined,
      { timeout: 300_000 },
    );
    await page.getByRole('link', { name: 'Models', exact: true }).click();
    const ready = page.locator('[data-scores-status="ready"]');
    const failed = page.getByRole('alert');
    await expect.poll(async () => ((await ready.count()) ? 'ready' : (await failed.count()) ? await failed.first().textContent() : 'scoring'), { timeout: 300_000, interval: 1_000 }).toBe('ready');

    const scored = await query<{ person: string; model: string; score: number }>('SELECT person, model, score FROM person_scores');
    const [dupes] = await query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM (SELECT person, model FROM person_scores GROUP BY ALL HAVING count(*) > 1)');
    expect(dupes!.n).toBe(0);
    for (const model of ['churn', 'propensity']) {
      const expected = (await cli(['score', '--model', join(REPO_ROOT, 'models', `${model}.onnx`), '--input', dataDir, '--json', '--explain', '3'])) as { persons: { person: string; score: number }[] };
      const browserScores = new Map(scored.filter((r) => r.model === model).map((r) => [r.person, r.score]));
      expect(expected.persons.length).toBeGreaterThan(10);
      expect(browserScores.size, model).toBe(expected.persons.length);
      for (const { person, score } of expected.persons) expect(Math.abs(browserScores.get(person)! - score), `${model} ${person}`).toBeLessThan(1e-5);
    }
    expect(Number(await page.locator('[data-scores-status]').getAttribute('data-written'))).toBe(scored.length);
  }, 600_000);

  it('lists the riskiest persons with the drivers the CLI explains, and a histogram per model', async () => {
    const rows = page.getByRole('table', { name: 'Churn risk list' }).locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(5);
    const top = await rows.first().evaluate((tr) => ({
      person: tr.getAttribute('data-person')!,
      drivers: [...tr.querySelectorAll('[data-feature]')].map((li) => ({ feature: li.getAttribute('data-feature')!, contribution: Number(li.getAttribute('data-contribution')) })),
    }));
    expect(top.drivers.length).toBe(3);
    const explained = (await cli(['score', '--model', join(REPO_ROOT, 'models', 'churn.onnx'), '--input', dataDir, '--json', '--explain', '3'])) as { persons: { person: string; drivers: { feature: string; contribution: number }[] }[] };
    const cliTop = explained.persons.find((p) => p.person === top.person)!;
    expect(top.drivers.map((d) => d.feature)).toEqual(cliTop.drivers.map((d) => d.feature));
    top.drivers.forEach((d, i) => expect(d.contribution).toBeCloseTo(cliTop.drivers[i]!.contribution, 3));
    await expect.poll(() => page.locator('[role="img"][aria-label$="score distribution chart"][data-rendered="true"]').count(), { timeout: 20_000 }).toBe(2);
    expect(await page.locator('[data-model-card="churn"]').textContent()).toContain('ROC AUC');
  }, 300_000);

  it("writes the at-risk list (score >= the churn model's threshold) as an audience whose CSV carries each person's drivers, as npm run score -- --at-risk lists them", async () => {
    const expected = (await cli(['score', '--model', join(REPO_ROOT, 'models', 'churn.onnx'), '--input', dataDir, '--at-risk', '--json'])) as {
      threshold: number;
      persons: { person: string; score: number; drivers: { feature: string; value: number; contribution: number }[] }[];
    };
    expect(expected.persons.length).toBeGreaterThan(5);
    const summary = page.locator('[data-at-risk]');
    expect(Number(await summary.getAttribute('data-at-risk'))).toBe(expected.persons.length);
    expect(Number(await summary.getAttribute('data-at-risk-threshold'))).toBe(expected.threshold);
    const group = page.getByRole('group', { name: `Export audience Churn risk at or above ${expected.threshold}` });
    await group.getByLabel('Hash key (at least 16 characters, not stored)').fill(HASH_KEY);
    const [download] = await Promise.all([page.waitForEvent('download'), group.getByRole('button', { name: 'Export CSV' }).click()]);
    const lines = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
    const header = parseCsvLine(lines[0]!);
    expect(header).toEqual(expect.arrayContaining(['id_hash', 'score', 'drivers']));
    const rows = lines.slice(1).map((line) => Object.fromEntries(parseCsvLine(line).map((cell, i) => [header[i]!, cell])));
    expect(rows).toHaveLength(expected.persons.length);
    const byHash = new Map(rows.map((r) => [r.id_hash!, r]));
    for (const person of expected.persons) {
      const row = byHash.get(createHmac('sha256', HASH_KEY).update(person.person).digest('hex'));
      expect(row, person.person).toBeDefined();
      expect(Number(row!.score)).toBeCloseTo(person.score, 5);
      const drivers = JSON.parse(row!.drivers!) as { feature: string; contribution: number }[];
      expect(drivers.map((d) => d.feature)).toEqual(person.drivers.map((d) => d.feature));
      drivers.forEach((d, i) => expect(d.contribution).toBeCloseTo(person.drivers[i]!.contribution, 3));
    }
    if (process.env.MODELS_E2E_SCREENSHOT) {
      await page.locator('#models-risk-heading').scrollIntoViewIfNeeded();
      await page.screenshot({ path: process.env.MODELS_E2E_SCREENSHOT, fullPage: true });
    }
  }, 300_000);

  it('recommends products a buyer has not bought, as analyze recommend does', async () => {
    const [buyer] = await query<{ person: string }>(`SELECT coalesce(m.person_id, e.user_id, e.anonymous_id) AS person, count(*) AS n FROM events e LEFT JOIN person_map m ON m.id = coalesce(e.user_id, e.anonymous_id)
      WHERE e.event = 'Order Completed' GROUP BY 1 ORDER BY n DESC, person LIMIT 1`);
    const form = page.getByRole('form', { name: 'Recommendations for a person' });
    await form.getByLabel('Person').fill(buyer!.person);
    await form.getByRole('button', { name: 'Recommend' }).click();
    const section = page.getByRole('region', { name: 'Recommendations' });
    await expect.poll(() => section.locator('[data-item]').count(), { timeout: 60_000 }).toBe(10);
    const bought = ((await section.locator('[data-bought]').getAttribute('data-bought')) ?? '').split(' ').filter(Boolean);
    expect(bought.length).toBeGreaterThan(0);
    const shown = await section.locator('[data-item]').evaluateAll((els) => els.map((el) => el.getAttribute('data-item')!));
    for (const item of bought) expect(shown).not.toContain(item);
    const expected = (await cli(['recommend', '--model', join(REPO_ROOT, 'models', 'recommend.onnx'), '--input', dataDir, '--json'])) as { recommendations: { person: string; items: { item: string }[] }[] };
    expect(shown).toEqual(expected.recommendations.find((r) => r.person === buyer!.person)!.items.map((i) => i.item));
  }, 300_000);

  it('saves the segment "churn risk > 0.7" and opens the segments view', async () => {
    await page.getByRole('button', { name: 'Segment: churn risk > 0.7' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('view'), { timeout: 10_000 }).toBe('segments');
    await page.getByRole('link', { name: 'Models', exact: true }).click();
    await page.waitForSelector('[data-scores-status="ready"]', { timeout: 120_000 });
  }, 300_000);

  it('retrains propensity in the training worker and shows its metrics beside the shipped model', async () => {
    const group = page.getByRole('group', { name: 'Retrain a model' });
    await group.getByLabel('Model').selectOption('propensity');
    await group.getByRole('button', { name: 'Retrain in the browser' }).click();
    const done = page.locator('[data-training="done"]');
    const failed = page.getByRole('alert').filter({ hasText: 'Training failed' });
    await expect.poll(async () => ((await done.count()) ? 'done' : (await failed.count()) ? await failed.textContent() : 'running'), { timeout: 400_000, interval: 1_000 }).toBe('done');
    const auc = await done.locator('[data-metric="ROC AUC"]').getAttribute('data-retrained');
    const logLoss = Number(await done.locator('[data-metric="log loss"]').getAttribute('data-retrained'));
    expect(logLoss).toBeGreaterThan(0);
    if (auc !== '') expect(Number(auc)).toBeGreaterThan(0.5);

    await done.getByRole('button', { name: 'Use for scoring in this session' }).click();
    await expect.poll(() => page.locator('[data-model-card="propensity"]').textContent(), { timeout: 60_000 }).toContain('retrained on this page');
    await page.waitForSelector('[data-scores-status="ready"]', { timeout: 120_000 });
  }, 600_000);

  it('fetched nothing from any other origin and violated no Content-Security-Policy', () => {
    expect(requests.foreign).toEqual([]);
    expect(cspViolations).toEqual([]);
    expect(requests.urls.some((u) => u.includes('/models/churn.onnx'))).toBe(true);
  });
});
