/**
 * Developer tool: CPU profile of the page's main thread during a warm overview visit (1M layout by default).
 *   npx tsx scripts/bench/warm-render-profile.ts [events]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildDashboard, CHROMIUM_ARGS, freePort, serveDashboard } from '../harness';
import { edgeLayoutDataset, saveLayoutConnection, serveEdgeLayout } from './edge-layout';

const events = Number(process.argv[2] ?? 1_000_000);
type Dash = { __dashboard: { connection: { save(c: unknown): Promise<void> }; load: { running: boolean; info: { rows: number } | null }; engine: { timeline?(): Promise<unknown> } } };
const launch = (profile: string) => chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1360, height: 1000 } });

async function main() {
  const data = await edgeLayoutDataset({ events, days: 30, log: console.log });
  const outDir = process.env.PROFILE_APP_DIR ?? (await buildDashboard());
  console.log('app', outDir);
  const app = await serveDashboard(outDir, await freePort());
  const edge = await serveEdgeLayout(data, app.origin);
  const profile = process.env.PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'pa-wprof-'));
  if (!process.env.PROFILE_DIR) {
    await saveLayoutConnection(await launch(profile), app.url, edge.url);
    let context: BrowserContext;
    let page: Page;
    context = await launch(profile);
    page = await context.newPage();
    await page.goto(`${app.url}?view=overview&from=${data.from}&to=${data.to}`);
    await page.waitForFunction((rows) => { const d = (globalThis as unknown as Partial<Dash>).__dashboard; return !!d && !d.load.running && (d.load.info?.rows ?? 0) >= rows; }, data.rows, { timeout: 600_000, polling: 200 });
    await page.waitForTimeout(5000);
    await context.close();
    console.log('profile', profile);
  }
  for (let visit = 0; visit < Number(process.env.VISITS ?? 2); visit++) {
    const context = await launch(profile);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    await page.goto(`${app.url}?view=overview&from=${data.from}&to=${data.to}`);
    await page.waitForFunction(() => document.querySelector('[data-overview-status]')?.getAttribute('data-overview-status') === 'ready', undefined, { timeout: 120_000, polling: 'raf' });
    const readyAt = await page.evaluate(() => performance.now());
    await page.waitForFunction(() => !!document.querySelector('[role="img"][aria-label="Events over time chart"][data-rendered="true"]'), undefined, { timeout: 120_000, polling: 'raf' });
    const chartAt = await page.evaluate(() => performance.now());
    const resources = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => {
        const r = e as PerformanceResourceTiming;
        return `${r.name.split('/').pop()?.slice(0, 40)} ${r.startTime.toFixed(0)}→${r.responseEnd.toFixed(0)} ${r.transferSize}B`;
      }),
    );
    console.log(`visit ${visit}: chart rendered ${chartAt.toFixed(0)} ms; resources: ${resources.join(' | ')}`);
    const { profile: cpu } = (await cdp.send('Profiler.stop')) as { profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[]; samples: number[]; timeDeltas: number[] } };
    writeFileSync(`/tmp/prof/warm-${visit}.cpuprofile`, JSON.stringify(cpu));
    const self = new Map<number, number>();
    cpu.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (cpu.timeDeltas[i] ?? 0) / 1000));
    const byFn = new Map<string, number>();
    for (const n of cpu.nodes) {
      const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      byFn.set(k, (byFn.get(k) ?? 0) + (self.get(n.id) ?? 0));
    }
    const byUrl = new Map<string, number>();
    for (const n of cpu.nodes) { const k = n.callFrame.url.split('/').pop() || n.callFrame.functionName; byUrl.set(k, (byUrl.get(k) ?? 0) + (self.get(n.id) ?? 0)); }
    console.log(`visit ${visit}: ready ${readyAt.toFixed(0)} ms`);
    const tl = await page.evaluate(() => (globalThis as unknown as Dash).__dashboard.engine.timeline?.() ?? null);
    console.log('timeline', (tl as { name: string; ms: number }[] | null)?.map((m) => `${m.ms} ${m.name}`).join('; '));
    console.log('by url', [...byUrl].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(' | '));
    console.log('by fn', [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `${k} ${v.toFixed(0)}`).join('\n  '));
    await page.waitForTimeout(8000);
    const tl2 = await page.evaluate(() => (globalThis as unknown as Dash).__dashboard.engine.timeline?.() ?? null);
    console.log('timeline after 8 s', (tl2 as { name: string; ms: number }[] | null)?.map((m) => `${m.ms} ${m.name}`).join('; '));
    await context.close();
  }
  await edge.close();
  await app.close();
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
