/**
 * One person across online and offline, in Chromium against a real edge under wrangler dev: a web visitor gives their
 * phone number (live ingest), a store order of a member with the same number is imported (the edge's imports API),
 * and the Person view, given the visitor's pseudonymous id, shows one person: the member's id joined by phone, and the
 * online event and the offline order in one timeline. An unknown id shows the empty state.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sendEvents } from '@privacy-analytics/scripts/collector';
import { connectDashboard, DEMO, downloadEdgeFiles, flushEdge, freePort, launchChromium, nativeQuery, serveDashboard, startFilledEdge, type FilledEdge, type ServedApp } from '@privacy-analytics/scripts/harness';

let edge: FilledEdge;
let app: ServedApp;
let browser: Browser;
let page: Page;
const POLL = { timeout: 90_000 };
const at = (daysAgo: number, hour: number) => new Date(Date.parse(`${new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10)}T${String(hour).padStart(2, '0')}:00:00Z`));
const PHONE = '+86 138 0013 8042';
const ONLINE_EVENT = 'E2E Phone Given';

const ORDERS = [
  'order_id,member_id,phone,order_date,sku,category,qty,unit_price,store',
  `E2E-P-1,M-E2E-1,+86-13800138042,${at(2, 10).toISOString().slice(0, 16).replace('T', ' ')},SKU-9,shoes,1,59.90,store-7`,
  '',
].join('\n');

beforeAll(async () => {
  const appPort = await freePort();
  edge = await startFilledEdge({ appOrigins: [`http://127.0.0.1:${appPort}`], events: 1000, days: 3 });
  const sent = await sendEvents(
    [{ type: 'track', event: ONLINE_EVENT, anonymousId: 'e2e-web-visitor', messageId: 'e2e-person-1', timestamp: at(1, 9).toISOString(), context: { traits: { phone: PHONE } } }],
    { url: edge.url, writeKey: DEMO.writeKey },
  );
  expect(sent.accepted).toBe(1);
  await flushEdge(edge.url);
  const imported = await fetch(`${edge.url}/v1/sites/${DEMO.site}/imports?kind=orders&importId=e2e-person`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO.adminToken}`, 'content-type': 'text/csv' },
    body: ORDERS,
  });
  expect(imported.status, await imported.clone().text()).toBe(201);
  app = await serveDashboard(inject('dashboardDir'), appPort);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1360, height: 1000 }, colorScheme: 'light' });
  page = await context.newPage();
}, 600_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await edge?.kill().catch(() => undefined);
}, 60_000);

describe('person view', () => {
  it('shows the online visitor and the offline member with the same phone as one person, both in the timeline', async () => {
    // the pseudonymous ids the edge stored (ids are hashed with the site's key: read them back from its files)
    const { paths } = await downloadEdgeFiles(edge.url);
    const [visitor] = await nativeQuery(paths, `SELECT anonymous_id AS id FROM events WHERE event = '${ONLINE_EVENT}'`);
    const [member] = await nativeQuery(paths, `SELECT user_id AS id FROM events WHERE order_id = 'E2E-P-1'`);
    const visitorId = String(visitor!.id);
    const memberId = String(member!.id);
    expect(visitorId).not.toBe('e2e-web-visitor');
    expect(memberId).not.toBe('M-E2E-1');

    await connectDashboard(page, app.url, { edgeUrl: edge.url, site: DEMO.site, token: DEMO.adminToken });

    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Person', exact: true }).click();
    // with nothing asked, persons to start from are offered (online and offline ones first)
    await expect.poll(() => page.locator('[data-person-examples] button').count(), POLL).toBeGreaterThan(0);
    const search = page.getByRole('form', { name: 'Find a person' });
    await search.locator('[data-person-search]').fill(visitorId);
    const show = search.getByRole('button', { name: 'Show' });
    const timelineRow = (origin: string, event: string) => page.locator(`[aria-label="Timeline of the person"] tr[data-origin="${origin}"][data-event="${event}"]`);
    // the load may still be adding files when the first lookup runs: look again until the imported order is in
    await expect
      .poll(async () => {
        const offline = await timelineRow('offline', 'Order Completed').count();
        if (offline === 0 && (await show.isEnabled())) await show.click();
        return offline;
      }, POLL)
      .toBe(1);
    const profile = page.locator('[data-person-status="ready"]');
    await expect.poll(() => profile.getAttribute('data-person'), POLL).toBe(memberId);
    expect(await timelineRow('online', ONLINE_EVENT).count()).toBe(1);
    expect(await timelineRow('offline', 'Order Completed').textContent()).toContain('store store-7');
    expect(await page.locator(`[data-linked-id="${visitorId}"]`).getAttribute('data-via')).toBe('phone');
    expect(await page.locator(`[data-linked-id="${memberId}"]`).getAttribute('data-via')).toBe('phone');
    expect(await page.locator('[data-linked-id]').count()).toBe(2);
    expect(await page.locator('[data-count-offline]').getAttribute('data-count-offline')).toBe('1');
    expect(await page.locator('[data-tag="order_count"] dd').textContent()).toBe('1');

    // the person-count footnote: the imported order is an offline row, so it gives an online/offline link rate
    await expect.poll(() => page.locator('[data-person-note="ready"]').textContent(), POLL).toContain('online/offline link');
    if (process.env.PERSON_SCREENSHOT) await page.screenshot({ path: process.env.PERSON_SCREENSHOT, fullPage: true });

    await search.locator('[data-person-search]').fill('no-such-person-id');
    await show.click();
    const missing = page.locator('[data-person-status="not-found"]');
    await expect.poll(() => missing.count(), POLL).toBe(1);
    expect(await missing.textContent()).toMatch(/^No person with id no-such-person-id in the loaded data/);
    expect(await page.locator('[role="alert"]').count()).toBe(0);
  });

  it('opens a person from the RFM list of persons', async () => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'RFM', exact: true }).click();
    const form = page.getByRole('form', { name: 'RFM settings' });
    await form.locator('[data-rfm-origin]').selectOption('offline');
    const button = form.getByRole('button', { name: 'Run RFM', exact: true });
    await button.click();
    await expect.poll(() => button.isEnabled(), POLL).toBe(true);
    const links = page.getByRole('table', { name: 'RFM persons' }).getByRole('button', { name: /^Open person / });
    await expect.poll(() => links.count(), POLL).toBe(1);
    const member = await links.first().textContent();
    await links.first().click();
    await expect.poll(() => page.locator('[data-person-status="ready"]').getAttribute('data-person'), POLL).toBe(member);
    expect(await page.locator('[aria-label="Timeline of the person"] tr[data-origin="online"]').count()).toBeGreaterThan(0);
  });
});
