/**
 * Statement by statement, where a warm first funnel and a filtered overview spend their time in the page's DuckDB (a
 * developer's tool, not a benchmark of record): a persistent profile loaded with the 1M layout (kept in PROFILE_DIR
 * between runs when given), then a warm visit of the overview where core's identity map, the funnels view's starter
 * funnel and the filtered overview run from Node through the page's engine (`engine.query`), each statement timed.
 *
 *   PROFILE_APP_DIR=<built app> PROFILE_DIR=<kept profile> npx tsx scripts/bench/instant-steps.ts [events]
 *
 * Extra SQL to time on the warm page: PROFILE_SQL='<sql>;;<sql>' (statements separated by `;;`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildPersonMap, CUBE_SOURCE, overviewQuery, runFunnel, type OverviewSpec } from '@privacy-analytics/core/analytics';
import type { QueryEngine, Row, SqlValue } from '@privacy-analytics/core/engine';
import { ECOMMERCE_FUNNEL } from '@privacy-analytics/web/starters';
import { buildDashboard, CHROMIUM_ARGS, freePort, serveDashboard } from '../harness';
import { edgeLayoutDataset, saveLayoutConnection, serveEdgeLayout } from './edge-layout';

const events = Number(process.argv[2] ?? 1_000_000);
const launch = (profile: string): Promise<BrowserContext> =>
  chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1360, height: 1000 } });

type Dash = { __dashboard: { connection: { save(c: unknown): Promise<void> }; load: { running: boolean; info: { rows: number } | null }; engine: { query(sql: string, params: unknown[]): Promise<unknown[]>; cubeOverview(spec: unknown): Promise<{ result: unknown; reason: string | null; ms: number }> } } };

/** engine.query of the page, each statement timed into `log` */
function pageEngine(page: Page, log: { label: string; ms: number }[]): QueryEngine {
  return {
    async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
      const { rows, ms } = await page.evaluate(
        async ({ sql, params }) => {
          const t = performance.now();
          const rows = await (globalThis as unknown as Dash).__dashboard.engine.query(sql, params);
          return { rows, ms: performance.now() - t };
        },
        { sql, params: params as unknown[] },
      );
      log.push({ label: sql.replace(/\s+/g, ' ').slice(0, 90), ms });
      return rows as T[];
    },
  };
}

const report = (title: string, log: { label: string; ms: number }[]) => {
  const total = log.reduce((sum, l) => sum + l.ms, 0);
  console.log(`${title}: ${total.toFixed(0)} ms in ${log.length} statements`);
  for (const l of log) console.log(`  ${l.ms.toFixed(0).padStart(6)} ms  ${l.label}`);
};

async function main(): Promise<void> {
  const data = await edgeLayoutDataset({ events, days: 30, log: console.log });
  const outDir = process.env.PROFILE_APP_DIR ?? (await buildDashboard());
  const kept = process.env.PROFILE_DIR;
  // a kept profile's warehouse belongs to the app's origin and names the edge's URL: both on fixed ports then
  const app = await serveDashboard(outDir, kept ? 47311 : await freePort());
  const edge = await serveEdgeLayout(data, app.origin, kept ? 47312 : undefined);
  const profile = kept ?? mkdtempSync(join(tmpdir(), 'pa-profile-'));
  const fresh = !kept || !existsSync(join(kept, 'loaded'));
  const waitLoaded = async (page: Page) => {
    const progress = setInterval(() => {
      void page
        .evaluate(() => {
          const d = (globalThis as unknown as { __dashboard?: { load: { running: unknown; info: { rows: number } | null; error: string | null } } }).__dashboard;
          return d ? JSON.stringify({ running: d.load.running, rows: d.load.info?.rows ?? 0, error: d.load.error }) : 'no dashboard yet';
        })
        .then(async (state) => `${state}; last marks: ${(await page.evaluate(() => (globalThis as unknown as { __dashboard: { engine: { timeline(): Promise<{ name: string; ms: number }[]> } } }).__dashboard.engine.timeline()).catch(() => [])).slice(-6).map((m) => `${m.ms} ${m.name}`).join('; ')}`)
        .then((state) => console.log(`  load: ${state}`), (error: unknown) => console.log(`  load: ${String(error)}`));
    }, 15_000);
    try {
      await page.waitForFunction((rows) => {
        const d = (globalThis as unknown as Partial<Dash>).__dashboard;
        return !!d && !d.load.running && (d.load.info?.rows ?? 0) >= rows;
      }, data.rows, { timeout: 900_000, polling: 100 });
    } finally {
      clearInterval(progress);
    }
  };
  try {
    if (fresh) {
      await saveLayoutConnection(await launch(profile), app.url, edge.url);
      let context: BrowserContext;
      let page: Page;
      context = await launch(profile);
      page = await context.newPage();
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`  page ${m.type()}: ${m.text().slice(0, 300)}`); });
      const started = Date.now();
      await page.goto(`${app.url}?view=overview&from=${data.from}&to=${data.to}`);
      await waitLoaded(page);
      console.log(`cold: loaded ${Date.now() - started} ms after goto`);
      await page.waitForFunction((day) => (globalThis as unknown as Dash).__dashboard.engine.cubeOverview({ from: day, to: day, filters: [], granularity: 'day' }).then((a) => a.result !== null), data.to, { timeout: 300_000, polling: 500 });
      console.log(`cold: overview table built ${Date.now() - started} ms after goto`);
      await page.waitForTimeout(2_000);
      await context.close();
      if (kept) mkdirSync(join(kept, 'loaded'), { recursive: true });
    }
    const context = await launch(profile);
    try {
      const page = await context.newPage();
      const started = Date.now();
      await page.goto(`${app.url}?view=overview&from=${data.from}&to=${data.to}`);
      await waitLoaded(page);
      console.log(`warm: loaded ${Date.now() - started} ms after goto`);
      const timeline = await page.evaluate(() => (globalThis as unknown as { __dashboard: { engine: { timeline(): Promise<{ name: string; ms: number }[]> } } }).__dashboard.engine.timeline());
      console.log(`warm timeline: ${timeline.map((m) => `${m.ms} ${m.name}`).join('; ')}`);
      await page.waitForFunction((day) => (globalThis as unknown as Dash).__dashboard.engine.cubeOverview({ from: day, to: day, filters: [], granularity: 'day' }).then((a) => a.result !== null), data.to, { timeout: 300_000, polling: 500 });
      console.log(`warm: overview table current ${Date.now() - started} ms after goto`);
      await page.waitForTimeout(Number(process.env.PROFILE_STAY_MS ?? 2_000));
      const later = await page.evaluate(() => (globalThis as unknown as { __dashboard: { engine: { timeline(): Promise<{ name: string; ms: number }[]> } } }).__dashboard.engine.timeline());
      console.log(`warm timeline after the wait: ${later.map((m) => `${m.ms} ${m.name}`).join('; ')}`);
      const weekFrom = new Date(Date.parse(`${data.to}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
      const filtered: OverviewSpec = { from: weekFrom, to: data.to, filters: [{ column: 'device_type', op: 'eq', values: ['mobile'] }], granularity: 'day' };
      for (const round of [1, 2]) {
        const answer = await page.evaluate(async (spec) => {
          const t = performance.now();
          const a = await (globalThis as unknown as Dash).__dashboard.engine.cubeOverview(spec);
          return { ms: performance.now() - t, worker: a.ms, ok: a.result !== null, reason: a.reason };
        }, filtered);
        console.log(`filtered overview from the overview table, round ${round}: ${answer.ms.toFixed(0)} ms (worker ${answer.worker} ms) ${answer.ok ? '' : answer.reason}`);
      }
      // extra statements; $FILTERED(table) is the filtered overview's one statement over `table`
      for (const extra of (process.env.PROFILE_SQL ?? '').split(';;').map((s) => s.trim()).filter(Boolean)) {
        const log: { label: string; ms: number }[] = [];
        const match = /\$FILTERED\(([^)]+)\)/.exec(extra);
        const q = match ? overviewQuery(filtered, { ...CUBE_SOURCE, table: match[1]! }) : null;
        await pageEngine(page, log).query(q ? extra.replace(match![0], q.sql) : extra, q ? q.params : []);
        report('extra', log);
      }
      const mapLog: { label: string; ms: number }[] = [];
      await buildPersonMap(pageEngine(page, mapLog));
      report('identity map', mapLog);
      const funnelSpec = {
        steps: ECOMMERCE_FUNNEL.map((event) => ({ event })),
        order: 'sequential' as const,
        window: { value: 14, unit: 'day' as const },
        count: 'persons' as const,
      };
      if (process.env.PROFILE_EMPTY_FUNNEL_FIRST) {
        // the same funnel over a range with no events first: what its statements' first run costs without data
        const emptyLog: { label: string; ms: number }[] = [];
        await runFunnel(pageEngine(page, emptyLog), { ...funnelSpec, from: '2001-01-01', to: '2001-01-02' });
        report('funnel over an empty range', emptyLog);
      }
      const funnelLog: { label: string; ms: number }[] = [];
      const funnel = await runFunnel(pageEngine(page, funnelLog), { ...funnelSpec, from: data.from, to: data.to });
      report(`funnel ${funnel.steps.map((s) => s.count).join('/')}`, funnelLog);
    } finally {
      await context.close();
    }
  } finally {
    await edge.close();
    await app.close();
    if (!kept) rmSync(profile, { recursive: true, force: true });
    if (!process.env.PROFILE_APP_DIR) rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
