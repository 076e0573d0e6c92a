/**
 * Alert rules managed in the Alerts view by an admin, in Chromium against a real edge under wrangler dev: create a
 * campaign conversion-rate rule with a filter, see the edge's field error for a bad one, mute it, test it, edit it;
 * the edge's own rule list must agree. And the overview, connected to the edge, says when it was last updated.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDashboard, DEMO, freePort, launchChromium, recordRequests, serveDashboard, startFilledEdge, type FilledEdge, type ServedApp } from '@privacy-analytics/scripts/harness';

let edge: FilledEdge;
let app: ServedApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const POLL = { timeout: 60_000 };

interface EdgeRule {
  id: string;
  name: string;
  metric: string;
  filter?: string;
  funnel?: { from: string; to: string };
  windowMinutes: number;
  mutedUntil?: string | null;
}

async function edgeRules(): Promise<EdgeRule[]> {
  const res = await fetch(`${edge.url}/v1/sites/${DEMO.site}/alerts`, { headers: { authorization: `Bearer ${DEMO.adminToken}` } });
  return ((await res.json()) as { rules: EdgeRule[] }).rules;
}

beforeAll(async () => {
  const appPort = await freePort();
  edge = await startFilledEdge({ appOrigins: [`http://127.0.0.1:${appPort}`], events: 1000, days: 2 });
  app = await serveDashboard(inject('dashboardDir'), appPort);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1360, height: 1000 }, colorScheme: 'light' });
  await recordRequests(context, [app.origin, edge.url]);
  page = await context.newPage();
}, 600_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await edge?.kill().catch(() => undefined);
}, 60_000);

describe('alert rules in the Alerts view (admin)', () => {
  it('connected as admin, the overview says when it was updated and that it re-syncs', async () => {
    await connectDashboard(page, app.url, { edgeUrl: edge.url, site: DEMO.site, token: DEMO.adminToken });
    const line = page.getByRole('status', { name: 'Data freshness' });
    await expect.poll(async () => (await line.isVisible()) ? await line.textContent() : '', POLL).toMatch(/Updated \d\d:\d\d · re-syncs every minute/);
    // just synced, and the filled edge has written every event (flush lag 0): fresh
    await expect.poll(() => line.getAttribute('data-freshness'), POLL).toBe('fresh');
  });

  it('creates a filtered rule, shows the field error of a bad one, mutes, tests and edits it', async () => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Alerts', exact: true }).click();
    const form = page.locator('form.mk-form');
    await expect.poll(() => form.isVisible(), POLL).toBe(true);
    await form.getByLabel('Name').fill('Spring sale conversion rate');
    await form.getByLabel('Metric').selectOption('conversion_rate');
    await form.getByLabel('Only where').selectOption('utm_campaign');
    await form.getByLabel('equals').fill('spring_sale');
    await form.getByLabel('Window (minutes, multiple of 5)').fill('7');
    await form.getByLabel('Webhook URL').fill('https://hooks.example.com/alerts');
    await form.getByRole('button', { name: 'Create rule' }).click();
    // the edge refuses with a sentence naming the field
    await expect.poll(async () => (await page.locator('[data-rule-error]').isVisible()) ? await page.locator('[data-rule-error]').textContent() : '', POLL).toContain('windowMinutes: must be a multiple of 5');
    expect(await edgeRules()).toEqual([]);

    await form.getByLabel('Window (minutes, multiple of 5)').fill('5');
    await form.getByRole('button', { name: 'Create rule' }).click();
    await expect.poll(async () => (await page.locator('[data-rule-notice]').textContent().catch(() => '')) ?? '', POLL).toContain('Created rule "Spring sale conversion rate"');
    const [rule] = await edgeRules();
    expect(rule).toMatchObject({ name: 'Spring sale conversion rate', metric: 'conversion_rate', filter: 'utm_campaign = spring_sale', windowMinutes: 5 });
    const row = page.locator(`tr[data-rule="${rule!.id}"]`);
    await expect.poll(() => row.locator('[data-rule-filter]').textContent(), POLL).toBe('utm_campaign = spring_sale');

    await row.getByRole('button', { name: 'Mute 1 h' }).click();
    await expect.poll(async () => (await row.locator('[data-rule-muted]').isVisible()) ? await row.locator('[data-rule-muted]').textContent() : '', POLL).toMatch(/muted until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    const muted = (await edgeRules())[0]!;
    expect(Date.parse(muted.mutedUntil!) - Date.now()).toBeGreaterThan(50 * 60_000);

    await row.getByRole('button', { name: 'Test now' }).click();
    await expect.poll(async () => (await page.locator('[data-rule-notice]').textContent().catch(() => '')) ?? '', POLL).toMatch(/"Spring sale conversion rate" on \d\d:\d\d–\d\d:\d\d UTC: would not fire \((insufficient baseline|quiet)\)\./);

    await row.getByRole('button', { name: 'Edit' }).click();
    await form.getByLabel('equals').fill('summer_sale');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await expect.poll(async () => (await edgeRules())[0]?.filter, POLL).toBe('utm_campaign = summer_sale');
    const edited = (await edgeRules())[0]!;
    expect(edited.id).toBe(rule!.id);
    expect(edited.mutedUntil).toBe(muted.mutedUntil);

    await page.locator(`tr[data-rule="${rule!.id}"]`).getByRole('button', { name: 'Unmute' }).click();
    await expect.poll(async () => (await edgeRules())[0]?.mutedUntil ?? null, POLL).toBeNull();
  });

  it('creates a funnel step rate rule and a daily ad-metric rule from the form', async () => {
    const form = page.locator('form.mk-form');
    await form.getByLabel('Metric').selectOption('funnel_rate');
    await form.getByLabel('From event (step A)').fill('Add to Cart');
    await form.getByLabel('to event (step B)').fill('Order Completed');
    await form.getByLabel('Only where').selectOption('channel');
    await form.getByLabel('equals').fill('email');
    await form.getByLabel('Window (minutes, multiple of 5)').fill('10');
    await form.getByLabel('Webhook URL').fill('https://hooks.example.com/alerts');
    // ALERTS_SCREENSHOT=/tmp/x.png keeps a picture of the form (and x-ad.png of the ad rule's)
    if (process.env.ALERTS_SCREENSHOT) await page.screenshot({ path: process.env.ALERTS_SCREENSHOT, fullPage: true });
    await form.getByRole('button', { name: 'Create rule' }).click();
    await expect.poll(async () => (await edgeRules()).find((r) => r.metric === 'funnel_rate')?.funnel, POLL).toEqual({ from: 'Add to Cart', to: 'Order Completed' });
    const funnel = (await edgeRules()).find((r) => r.metric === 'funnel_rate')!;
    expect(funnel).toMatchObject({ filter: 'channel = email', windowMinutes: 10 });
    await expect.poll(() => page.locator(`tr[data-rule="${funnel.id}"] [data-rule-funnel]`).textContent(), POLL).toBe('Add to Cart → Order Completed');

    await form.getByLabel('Metric').selectOption('ctr');
    // ad reports are daily: no window field, and the filter offers the report's columns
    await expect.poll(() => page.locator('[data-rule-daily]').isVisible(), POLL).toBe(true);
    expect(await form.getByLabel('Window (minutes, multiple of 5)').count()).toBe(0);
    await form.getByLabel('Only where').selectOption('campaign');
    await form.getByLabel('equals').fill('spring_sale');
    await form.getByLabel('Webhook URL').fill('https://hooks.example.com/alerts');
    if (process.env.ALERTS_SCREENSHOT) await page.screenshot({ path: process.env.ALERTS_SCREENSHOT.replace('.png', '-ad.png'), fullPage: true });
    await form.getByRole('button', { name: 'Create rule' }).click();
    await expect.poll(async () => (await edgeRules()).find((r) => r.metric === 'ctr')?.filter, POLL).toBe('campaign = spring_sale');
    expect((await edgeRules()).find((r) => r.metric === 'ctr')!.windowMinutes).toBe(1440);
  });
});
