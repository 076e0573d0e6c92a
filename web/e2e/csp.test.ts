/**
 * The dashboard under the Content-Security-Policy it ships with (vite.config.ts contentSecurityPolicy): scripts,
 * workers, wasm and network only from its own origin. A privacy-sensitive organisation checks exactly this. Local
 * Parquet files are opened (no edge), then every view is visited and the SQL console and a model score are run; any
 * CSP violation, page error or request to another origin fails the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { contentSecurityPolicy, dashboardConfig } from '../../vite.config';
import { NAV_GROUPS } from '../src/views/nav';
import { freePort, launchChromium, writeDemoParquet } from '@privacy-analytics/scripts/harness';

let dataDir: string;
let files: string[];
let outDir: string;
let server: PreviewServer;
let origin: string;
let browser: Browser;
let page: Page;
const violations: string[] = [];
const pageErrors: string[] = [];
const foreignRequests: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pa-csp-data-'));
  files = [await writeDemoParquet(dataDir, { seed: 11, events: 4000, start: '2026-10-01', days: 20 })];
  outDir = inject('dashboardDir');
  const port = await freePort();
  const config = dashboardConfig({ cspConnectOrigins: [] });
  server = await preview({
    ...config,
    configFile: false,
    logLevel: 'warn',
    build: { ...config.build, outDir },
    preview: { ...config.preview, host: '127.0.0.1', port, strictPort: true, open: false },
  });
  origin = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
  const context = await browser.newContext();
  context.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:')) foreignRequests.push(url);
  });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Refused to load: CSP violation of ${event.violatedDirective} by ${event.blockedURI}`);
    });
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('dashboard under its Content-Security-Policy', () => {
  it('sends the policy with no script eval and no foreign connect source', async () => {
    const response = await page.goto(`${origin}/?view=connect`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toBe(contentSecurityPolicy([]));
    expect(csp).not.toContain("'unsafe-eval'");
    expect(csp).toContain("connect-src 'self';");
  });

  it('opens local Parquet files and draws the overview', async () => {
    await page.locator('input[type=file]').first().setInputFiles(files);
    await page.getByRole('link', { name: 'Overview' }).click();
    await expect.poll(async () => page.getByRole('status', { name: 'Data source' }).textContent(), { timeout: 90_000 }).toMatch(/[1-9][\d,]* events loaded/);
    await page.locator('canvas').first().waitFor({ timeout: 90_000 });
  });

  it('runs a query in the SQL console', async () => {
    await page.getByRole('link', { name: 'SQL console' }).click();
    await page.getByRole('button', { name: 'Run query' }).click();
    await expect.poll(async () => page.getByRole('status').filter({ hasText: /rows in \d+ ms/ }).count(), { timeout: 60_000 }).toBeGreaterThan(0);
  });

  it('opens every view without a policy violation, page error or foreign request', async () => {
    for (const group of NAV_GROUPS) {
      for (const item of group.views) {
        // views that need an edge (Admin, Imports) are shown blocked, with the reason, on local files
        if (await page.locator(`[data-nav-blocked="${item.view}"]`).count()) continue;
        await page.getByRole('link', { name: item.label, exact: true }).click();
        await page.getByRole('heading', { level: 2 }).first().waitFor({ timeout: 30_000 });
      }
    }
    await page.waitForTimeout(500);
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
