/**
 * Where the dashboard-instant times go (a developer's tool, not a benchmark of record): a cold visit that loads the 1M
 * layout into a persistent profile, then a warm visit that prints the page's engine timeline (`__dashboard.engine
 * .timeline()` when the engine records one) and times the overview's queries for a week with and without a filter,
 * each one alone, through the page's engine.
 *
 *   npx tsx scripts/bench/instant-profile.ts [events]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { overviewQueries, type OverviewSpec } from '@privacy-analytics/core/analytics';
import { buildDashboard, CHROMIUM_ARGS, freePort, serveDashboard } from '../harness';
import { edgeLayoutDataset, saveLayoutConnection, serveEdgeLayout } from './edge-layout';

const events = Number(process.argv[2] ?? 1_000_000);
const launch = (profile: string): Promise<BrowserContext> =>
  chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1360, height: 1000 } });

type Dash = { __dashboard: { connection: { save(c: unknown): Promise<void> }; load: { running: boolean; info: { rows: number } | null }; engine: { query(sql: string, params: unknown[]): Promise<unknown[]>; cubeOverview(spec: unknown): Promise<{ result: unknown; reason: string | null; ms: number }>; timeline?(): Promise<unknown> } } };

async function main(): Promise<void> {
  const data = await edgeLayoutDataset({ events, days: 30, log: console.log });
  const outDir = process.env.PROFILE_APP_DIR ?? (await buildDashboard());
  const app = await serveDashboard(outDir, await freePort());
  const edge = await serveEdgeLayout(data, app.origin);
  const profile = mkdtempSync(join(tmpdir(), 'pa-profile-'));
  try {
    await saveLayoutConnection(await launch(profile), app.url, edge.url);
    let context: BrowserContext;
    let page: Page;

    // PROFILE_VISITS: which visits after the cold one (default warm,warm2); `funnel` opens the funnels view and runs
    // its starter once the data is in (the benchmark's warm first funnel), printing the timeline
    const visits = ['cold', ...(process.env.PROFILE_VISITS ?? 'warm,warm2').split(',').filter(Boolean)];
    for (const visit of visits) {
      if (visit === 'funnel') {
        await funnelVisit(profile, app.url, data);
        continue;
      }
      context = await launch(profile);
      page = await context.newPage();
      page.on('console', (m) => { if (m.text().startsWith('[pa]')) console.log(`  ${visit} console: ${m.text()}`); });
      const started = Date.now();
      await page.goto(`${app.url}?view=overview&from=${data.from}&to=${data.to}`);
      await page.waitForFunction((rows) => {
        const d = (globalThis as unknown as Partial<Dash>).__dashboard;
        const el = document.querySelector('[data-overview-status]');
        return !!d && !d.load.running && (d.load.info?.rows ?? 0) >= rows && el?.getAttribute('data-overview-status') === 'ready';
      }, data.rows, { timeout: 600_000, polling: 50 });
      console.log(`${visit}: loaded and overview ready ${Date.now() - started} ms after goto`);
      const timeline = await page.evaluate(() => (globalThis as unknown as Dash).__dashboard.engine.timeline?.() ?? null);
      if (timeline) console.log(`${visit} timeline: ${JSON.stringify(timeline)}`);
      const cubeWait = Date.now();
      const cubeSpec = { from: data.from, to: data.to, filters: [], granularity: 'day' };
      let reason: string | null = '';
      for (let i = 0; i < 600; i++) {
        const answer = await page.evaluate((spec) => (globalThis as unknown as Dash).__dashboard.engine.cubeOverview(spec), cubeSpec);
        if (answer.result) { reason = null; console.log(`${visit}: overview table answers ${Date.now() - cubeWait} ms after the load (30 days, no filter: ${answer.ms} ms in the worker)`); break; }
        reason = answer.reason;
        await page.waitForTimeout(100);
      }
      if (reason) console.log(`${visit}: overview table never answered: ${reason}`);
      if (visit !== 'cold') {
        const weekFrom = new Date(Date.parse(`${data.to}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
        const specs: [string, OverviewSpec][] = [
          ['week', { from: weekFrom, to: data.to, filters: [], granularity: 'day' }],
          ['week+mobile', { from: weekFrom, to: data.to, filters: [{ column: 'device_type', op: 'eq', values: ['mobile'] }], granularity: 'day' }],
          ['week+mobile again', { from: weekFrom, to: data.to, filters: [{ column: 'device_type', op: 'eq', values: ['mobile'] }], granularity: 'day' }],
          ['week+desktop', { from: weekFrom, to: data.to, filters: [{ column: 'device_type', op: 'eq', values: ['desktop'] }], granularity: 'day' }],
        ];
        for (const [label, spec] of specs) {
          const times: string[] = [];
          let total = 0;
          for (const { name, query } of overviewQueries(spec)) {
            const ms = await page.evaluate(async ({ sql, params }) => {
              const t = performance.now();
              await (globalThis as unknown as Dash).__dashboard.engine.query(sql, params);
              return performance.now() - t;
            }, { sql: query.sql, params: query.params as unknown[] });
            total += ms;
            times.push(`${name} ${ms.toFixed(0)}`);
          }
          console.log(`${visit} ${label}: ${total.toFixed(0)} ms = ${times.join(', ')}`);
          const cube = await page.evaluate(async (spec) => {
            const t = performance.now();
            const answer = await (globalThis as unknown as Dash).__dashboard.engine.cubeOverview(spec);
            return { ms: performance.now() - t, worker: answer.ms, ok: answer.result !== null, reason: answer.reason };
          }, spec);
          console.log(`${visit} ${label} from the overview table: ${cube.ms.toFixed(0)} ms (worker ${cube.worker} ms) ${cube.ok ? '' : cube.reason}`);
        }
      }
      if (visit !== 'cold') {
        const t = Date.now();
        const answer = await page.evaluate(() => (globalThis as unknown as { __dashboard: { engine: { ensurePersonMap(): Promise<string> } } }).__dashboard.engine.ensurePersonMap());
        console.log(`${visit}: identity map ${answer} in ${Date.now() - t} ms`);
      }
      await page.waitForTimeout(3_000);
      const after = await page.evaluate(() => (globalThis as unknown as Dash).__dashboard.engine.timeline?.() ?? null);
      if (after) console.log(`${visit} timeline at the end: ${JSON.stringify((after as { name: string; ms: number }[]).map((m) => `${m.ms} ${m.name}`))}`);
      await context.close();
    }
  } finally {
    await edge.close();
    await app.close();
    rmSync(profile, { recursive: true, force: true });
    if (!process.env.PROFILE_APP_DIR) rmSync(outDir, { recursive: true, force: true });
  }
}

async function funnelVisit(profile: string, appUrl: string, data: { from: string; to: string; rows: number }): Promise<void> {
  const context = await launch(profile);
  try {
    const page = await context.newPage();
    await page.goto(`${appUrl}?view=funnels&from=${data.from}&to=${data.to}`);
    const button = page.locator('form[aria-label="Funnel definition"] button[type="submit"]', { hasText: 'Run funnel' });
    await page.waitForFunction((rows) => {
      const d = (globalThis as unknown as Partial<Dash>).__dashboard;
      const form = document.querySelector('form[aria-label="Funnel definition"]');
      const first = form?.querySelector('input[role="combobox"]') as HTMLInputElement | null;
      return !!d && !d.load.running && (d.load.info?.rows ?? 0) >= rows && !!first?.value && !document.querySelector('progress[aria-label="Loading progress"]');
    }, data.rows, { timeout: 600_000, polling: 50 });
    const ready = await page.evaluate(() => performance.now());
    await button.click();
    await page.waitForFunction(() => {
      const table = document.querySelector('table[aria-label="Funnel steps"]');
      return (!!table && !table.closest('.stale')) || [...document.querySelectorAll('[role="alert"]')].some((a) => /funnel/i.test(a.textContent ?? ''));
    }, undefined, { timeout: 600_000, polling: 50 });
    const shown = await page.evaluate(() => performance.now());
    const counts = await page.locator('table[aria-label="Funnel steps"] tbody tr [data-count]').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-count')));
    console.log(`funnel: Run ready ${ready.toFixed(0)} ms, result ${shown.toFixed(0)} ms after navigation start; counts ${counts.join('/')}`);
    const timeline = await page.evaluate(() => (globalThis as unknown as Dash).__dashboard.engine.timeline?.() ?? null);
    if (timeline) console.log(`funnel timeline: ${(timeline as { name: string; ms: number }[]).map((m) => `${m.ms} ${m.name}`).join('; ')}`);
  } finally {
    await context.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
