/**
 * The dashboard by role, in Chromium against a real edge under wrangler dev: a viewer token gets the overview from
 * rollups alone (no event file is ever asked for, row views and filters are disabled with the reason, and the edge
 * refuses an event file), and an admin manages tokens, erasure and retention in the Admin view and sees it all in the
 * audit log.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDashboard, DEMO, edgeManifest, freePort, launchChromium, readKpis, recordRequests, serveDashboard, startFilledEdge, waitForOverview, type FilledEdge, type RequestLog, type ServedApp } from '@privacy-analytics/scripts/harness';

let edge: FilledEdge;
let app: ServedApp;
let browser: Browser;
const POLL = { timeout: 60_000 };

async function openContext(): Promise<{ context: BrowserContext; page: Page; requests: RequestLog }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 1000 }, colorScheme: 'light' });
  const requests = await recordRequests(context, [app.origin, edge.url]);
  return { context, page: await context.newPage(), requests };
}

async function connect(page: Page, token: string, search = 'range=7d'): Promise<void> {
  await connectDashboard(page, app.url, { edgeUrl: edge.url, site: DEMO.site, token, search, waitOverview: false });
}

async function edgeCall(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${edge.url}/v1/sites/${DEMO.site}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  const appPort = await freePort();
  edge = await startFilledEdge({ appOrigins: [`http://127.0.0.1:${appPort}`], events: 1000, days: 3 });
  app = await serveDashboard(inject('dashboardDir'), appPort);
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await edge?.kill().catch(() => undefined);
}, 60_000);

describe('the dashboard by role', () => {
  it('a viewer sees the overview from rollups only; row views, filters and the SQL console are disabled with the reason', async () => {
    const issued = await edgeCall(DEMO.adminToken, 'POST', '/tokens', { role: 'viewer', label: 'e2e viewer' });
    expect(issued.status).toBe(201);
    const viewerToken = String(issued.body.token);
    const { context, page, requests } = await openContext();
    try {
      await connect(page, viewerToken);
      await waitForOverview(page);
      expect(await page.locator('[data-overview-source]').getAttribute('data-overview-source')).toBe('rollups');
      // counts from rollups are exact: every accepted event of the range
      expect((await readKpis(page)).events).toBe(edge.accepted);
      const fetched = requests.fileFetches();
      expect(fetched.length).toBeGreaterThan(0);
      expect(fetched.filter((key) => !key.startsWith('rollups/'))).toEqual([]);
      expect(await page.getByRole('status', { name: 'Data source' }).textContent()).toContain('aggregates only');

      const views = page.getByRole('navigation', { name: 'Views' });
      expect(await views.getByRole('link', { name: 'Overview', exact: true }).count()).toBe(1);
      for (const name of ['funnels', 'sql', 'models', 'person']) {
        expect(await views.locator(`[data-nav-blocked="${name}"]`).getAttribute('title')).toMatch(/Needs an analyst token/);
      }
      expect(await views.locator('[data-nav-blocked="admin"]').getAttribute('title')).toMatch(/Needs an admin token/);
      expect(await views.getByRole('link', { name: 'SQL console' }).count()).toBe(0);
      expect(await page.locator('[data-filters-blocked]').textContent()).toMatch(/Filters need event rows.*analyst token/);

      // a link straight to a row view shows the reason instead of the view
      await page.goto(`${app.url}?view=sql&range=7d`);
      await expect.poll(() => page.locator('[data-view-blocked="sql"]').textContent(), POLL).toMatch(/SQL console queries event rows/);
      expect(requests.fileFetches().filter((key) => !key.startsWith('rollups/'))).toEqual([]);

      // the edge itself refuses an event file to this token, and serves its rollup
      const file = (await edgeManifest(edge.url))[0]!;
      const answers = await page.evaluate(
        async ({ base, token, eventKey, rollupKey }) => {
          const get = (key: string) => fetch(`${base}/files/${encodeURIComponent(key)}`, { headers: { authorization: `Bearer ${token}` } });
          const events = await get(eventKey);
          const rollup = await get(rollupKey);
          return { events: events.status, code: ((await events.json()) as { error: string }).error, rollup: rollup.status };
        },
        { base: `${edge.url}/v1/sites/${DEMO.site}`, token: viewerToken, eventKey: file.key, rollupKey: file.rollup!.key },
      );
      expect(answers).toEqual({ events: 403, code: 'insufficient_role', rollup: 200 });
      expect(requests.foreign).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an admin creates and revokes a token, requests an erasure, meets the retention floor and reads it all in the audit log', async () => {
    const { context, page, requests } = await openContext();
    try {
      await connect(page, DEMO.adminToken);
      await waitForOverview(page);
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Admin', exact: true }).click();

      const create = page.getByRole('form', { name: 'Create a token' });
      await expect.poll(() => create.isVisible(), POLL).toBe(true);
      await create.getByLabel('Role').selectOption('analyst');
      await create.getByLabel('Label').fill('e2e made in the UI');
      await create.getByRole('button', { name: 'Create token' }).click();
      const secret = page.locator('[data-token-secret]');
      await expect.poll(() => secret.isVisible(), POLL).toBe(true);
      const token = (await secret.textContent())!.trim();
      expect(token).toMatch(/^pat\.demo\.[0-9a-f]{16}\./);
      const id = token.split('.')[2]!;
      expect((await edgeCall(token, 'GET', '/whoami')).body).toMatchObject({ role: 'analyst', label: 'e2e made in the UI' });
      await expect.poll(() => page.locator(`[data-token="${id}"]`).getAttribute('data-token-status'), POLL).toBe('active');
      await page.getByRole('button', { name: 'I have saved it' }).click();
      expect(await secret.count()).toBe(0);

      await page.getByRole('button', { name: 'Revoke e2e made in the UI' }).click();
      await expect.poll(() => page.locator(`[data-token="${id}"]`).getAttribute('data-token-status'), POLL).toBe('revoked');
      expect((await edgeCall(token, 'GET', '/whoami')).body.error).toBe('revoked_token');

      const erase = page.getByRole('form', { name: 'Request an erasure' });
      await erase.getByLabel('User id (as your app sends it)').fill('e2e-user-to-forget');
      await erase.getByRole('button', { name: 'Erase this person' }).click();
      await expect.poll(() => page.locator('[data-erasure]').count(), POLL).toBe(1);

      // below the 3-year floor without the override: a sentence, not "HTTP 409"
      const retention = page.getByRole('form', { name: 'Change retention' });
      await retention.getByLabel('Days to keep (empty: back to the configured value)').fill('30');
      await retention.getByLabel('I understand data will be deleted (when shortening)').check();
      await retention.getByRole('button', { name: 'Save retention' }).click();
      const refusal = page.locator('[data-admin-error="retention"]');
      await expect.poll(() => refusal.textContent(), POLL).toMatch(/below this site's retention floor of 1095 days/);
      expect(await refusal.textContent()).not.toMatch(/HTTP/);
      expect((await edgeCall(DEMO.adminToken, 'GET', '/settings/retention')).body.retentionDays).toBe(1095);

      const audit = page.getByRole('table', { name: 'Audit log' });
      await page.locator('[data-admin-section="audit"]').getByRole('button', { name: 'Refresh' }).click();
      const actions = async () => new Set(await audit.locator('[data-audit-action]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-audit-action'))));
      await expect.poll(async () => [...(await actions())].sort(), POLL).toEqual(expect.arrayContaining(['data.download', 'erasure.request', 'token.create', 'token.revoke']));
      const download = audit.locator('[data-audit-action="data.download"]').first();
      expect(await download.textContent()).toContain('config:admin:0');
      expect(await download.textContent()).toMatch(/\d+ (event|rollup) files?/);
      expect(requests.foreign).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
