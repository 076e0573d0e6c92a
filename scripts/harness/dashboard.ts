/**
 * The dashboard built with the project's Vite config and served by `vite preview` (COOP/COEP on), and readers of
 * what its overview shows. With edge-fill.ts and browser.ts:
 *
 *   const edge = await startFilledEdge({ appOrigins, events: 20_000 });
 *   const app = await serveDashboard(await buildDashboard(), appPort);
 *   const browser = await launchChromium();
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
// @ts-expect-error plain .mjs script without types
import { stageWasm } from '../stage-wasm.mjs';
import { dashboardConfig } from '../../vite.config';

/** Stages the wasm, builds the dashboard with the project's Vite config into a fresh temp directory; returns it. */
export async function buildDashboard(outDir = mkdtempSync(join(tmpdir(), 'pa-dashboard-'))): Promise<string> {
  (stageWasm as () => unknown)();
  const config = dashboardConfig();
  await build({ ...config, configFile: false, logLevel: 'warn', build: { ...config.build, outDir, emptyOutDir: true } });
  return outDir;
}

export interface ServedApp {
  url: string;
  origin: string;
  close(): Promise<void>;
}

export async function serveDashboard(outDir: string, port: number): Promise<ServedApp> {
  const config = dashboardConfig();
  const server: PreviewServer = await preview({
    ...config,
    configFile: false,
    logLevel: 'warn',
    build: { ...config.build, outDir },
    preview: { ...config.preview, host: '127.0.0.1', port, strictPort: true, open: false },
  });
  const origin = `http://127.0.0.1:${port}`;
  return { url: `${origin}/`, origin, close: () => server.close() };
}

export type KpiValues = Record<'pageViews' | 'visitors' | 'sessions' | 'bounceRate' | 'avgSessionSeconds' | 'conversionRate' | 'revenue' | 'events', number | null>;

/**
 * Opens the dashboard at `appUrl?search`, waits for its Connect form, connects to `edgeUrl` with `token` and, unless
 * `waitOverview` is false, waits until the overview is ready.
 */
export async function connectDashboard(
  page: Page,
  appUrl: string,
  options: { edgeUrl: string; token: string; site?: string; search?: string; waitOverview?: boolean; timeout?: number },
): Promise<void> {
  const timeout = options.timeout ?? 90_000;
  await page.goto(`${appUrl}?${options.search ?? 'range=7d'}`);
  await page.getByRole('form', { name: 'Connect to an edge' }).waitFor({ state: 'visible', timeout });
  await page.getByLabel('Edge URL').fill(options.edgeUrl);
  await page.getByLabel('Site').fill(options.site ?? 'demo');
  await page.getByLabel('Read token').fill(options.token);
  await page.getByRole('button', { name: 'Connect' }).click();
  if (options.waitOverview ?? true) await waitForOverview(page, '', timeout);
}

/** Waits until the overview shows results for a refresh whose key contains `keyPart` and nothing loads. */
export async function waitForOverview(page: Page, keyPart = '', timeout = 90_000): Promise<void> {
  try {
    await page.waitForFunction(
      (part) => {
        const el = document.querySelector('[data-overview-status]');
        return !!el && el.getAttribute('data-overview-status') === 'ready' && (el.getAttribute('data-overview-key') ?? '').includes(part);
      },
      keyPart,
      { timeout },
    );
  } catch (error) {
    // what the page was doing: a timeout alone said nothing when it happened in CI
    throw new Error(`the overview was not ready within ${timeout / 1000} s; the page then: ${await pageState(page)}`, { cause: error });
  }
}

/** The overview's status, the load's state and the engine's last timeline marks, for a failure message. */
async function pageState(page: Page): Promise<string> {
  if (page.isClosed()) return 'closed';
  return page
    .evaluate(async () => {
      const el = document.querySelector('[data-overview-status]');
      const d = (globalThis as unknown as { __dashboard?: { load?: { running: unknown; info: { rows: number } | null; error: string | null }; engine?: { timeline?(): Promise<{ ms: number; name: string }[]> } } }).__dashboard;
      const marks = (await d?.engine?.timeline?.().catch(() => [])) ?? [];
      return JSON.stringify({
        status: el?.getAttribute('data-overview-status') ?? null,
        key: el?.getAttribute('data-overview-key') ?? null,
        load: d?.load ? { running: d.load.running, rows: d.load.info?.rows ?? 0, error: d.load.error } : null,
        alerts: [...document.querySelectorAll('[role="alert"]')].map((a) => (a.textContent ?? '').trim().slice(0, 200)),
        timeline: marks.slice(-30).map((m) => `${m.ms} ${m.name}`),
      });
    })
    .catch((error: unknown) => `(could not read: ${String(error)})`);
}

export async function readKpis(page: Page): Promise<KpiValues> {
  return page.locator('[data-kpi]').evaluateAll((els) =>
    Object.fromEntries(els.map((el) => [el.getAttribute('data-kpi'), el.getAttribute('data-value') === '' ? null : Number(el.getAttribute('data-value'))])),
  ) as Promise<KpiValues>;
}

export interface PanelRow {
  value: string | null;
  visitors: number;
  count: number;
}

export async function readPanel(page: Page, title: string): Promise<PanelRow[]> {
  const region = page.getByRole('region', { name: title, exact: true });
  return region.locator('tbody tr').evaluateAll((rows) =>
    rows.map((tr) => ({
      value: tr.querySelector('th button')?.textContent === '(none)' ? null : (tr.getAttribute('data-value') ?? ''),
      visitors: Number(tr.querySelector('[data-visitors]')?.getAttribute('data-visitors')),
      count: Number(tr.querySelector('[data-count]')?.getAttribute('data-count')),
    })),
  );
}

export async function readSeriesTotal(page: Page): Promise<number> {
  return Number(await page.locator('[data-series-total]').getAttribute('data-series-total'));
}
