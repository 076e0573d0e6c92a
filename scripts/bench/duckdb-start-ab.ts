/**
 * DuckDB's start on repeated visits of one persistent profile, for builds given as arguments (compiled-code cache
 * check): each build in its own profile, visits alternating between builds.
 *
 *   npx tsx scripts/bench/duckdb-start-ab.ts <app dir> [<app dir> …]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, freePort, serveDashboard } from '../harness';

type Engine = { __dashboard: { engine: { timeline(): Promise<{ name: string; ms: number }[]> } } };

async function main(): Promise<void> {
  const dirs = process.argv.slice(2);
  const visits = Number(process.env.VISITS ?? 4);
  const apps = await Promise.all(dirs.map(async (dir) => ({ dir, app: await serveDashboard(dir, await freePort()), profile: mkdtempSync(join(tmpdir(), 'pa-ab-')), times: [] as number[] })));
  try {
    for (let visit = 0; visit < visits; visit++) {
      for (const a of apps) {
        const context = await chromium.launchPersistentContext(a.profile, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
        const page = await context.newPage();
        await page.goto(`${a.app.url}?view=connect`);
        await page.waitForFunction(() => '__dashboard' in globalThis, undefined, { timeout: 120_000 });
        const timeline = () => page.evaluate(() => (globalThis as unknown as Engine).__dashboard.engine.timeline());
        let t = await timeline();
        while (!t.some((m) => m.name === 'duckdb: ready')) {
          await page.waitForTimeout(200);
          t = await timeline();
        }
        const at = (name: string) => t.find((m) => m.name.startsWith(name))?.ms ?? Number.NaN;
        a.times.push(at('duckdb eh: instantiated') - at('duckdb eh: instantiate'));
        // some work, so that DuckDB's hot functions tier up as they do on a dashboard's visit
        await page.evaluate(async () => {
          const engine = (globalThis as unknown as { __dashboard: { engine: { query(sql: string, params: unknown[]): Promise<unknown[]> } } }).__dashboard.engine;
          for (let i = 0; i < 3; i++) {
            await engine.query(`SELECT count(DISTINCT i % 100000) AS d, sum(i * i) AS s, max(md5(i::VARCHAR)) AS m, string_agg(DISTINCT (i % 10)::VARCHAR, ',') AS a FROM range(1000000) t(i)`, []);
            await engine.query(`SELECT i % 1000 AS k, count(*) AS n, avg(i) AS a FROM range(1000000) t(i) GROUP BY 1 ORDER BY 1 LIMIT 5`, []);
          }
        });
        await page.waitForTimeout(Number(process.env.STAY_MS ?? 4000));
        await context.close();
      }
    }
    for (const a of apps) console.log(`${a.dir}: instantiate ms per visit ${a.times.map((x) => x.toFixed(0)).join(', ')}`);
  } finally {
    for (const a of apps) {
      await a.app.close();
      rmSync(a.profile, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
