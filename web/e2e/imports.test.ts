/**
 * Offline data through the dashboard, in Chromium against a real edge under wrangler dev: an analyst drops an orders
 * CSV in the Imports view, sees the columns suggested, checks it (the edge's dry run: rejected rows listed, nothing
 * written), imports it, and RFM's "Offline only" counts exactly the imported customers and revenue, with their CLV and
 * repurchase rate; a members CSV then makes a segment on a declared attribute (member tier); then an ad report
 * (ad_spend, a Parquet file, previewed in the data worker) through the same view, and Attribution shows the stores'
 * revenue as the "offline" channel and the imported spend in its spend / ROAS table, without any CSV picked there.
 */
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import * as parquetWasm from 'parquet-wasm/node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDashboard, DEMO, freePort, launchChromium, serveDashboard, startFilledEdge, type FilledEdge, type ServedApp } from '@privacy-analytics/scripts/harness';

let edge: FilledEdge;
let app: ServedApp;
let browser: Browser;
let page: Page;
const POLL = { timeout: 90_000 };
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

// An ad-platform report as Parquet: spend per platform (touch = utm_source) on two days in range, 4 × 2 × 10.
function adSpendParquet(): Buffer {
  const rows = [1, 2].flatMap((d) => ['newsletter', 'google', 'baidu', 'wechat'].map((platform) => ({ date: day(d), platform })));
  const table = tableFromArrays({
    date: rows.map((r) => r.date),
    platform: rows.map((r) => r.platform),
    campaign: rows.map((r) => `e2e-${r.platform}`),
    impressions: BigInt64Array.from(rows.map(() => 1000n)),
    clicks: BigInt64Array.from(rows.map(() => 40n)),
    spend: Float64Array.from(rows.map(() => 10)),
  });
  return Buffer.from(parquetWasm.writeParquet(parquetWasm.Table.fromIPCStream(tableToIPC(table, 'stream'))));
}

// Two valid customers (c1 with two orders), one row without a customer, one with an impossible date.
const CSV = [
  'order_id,customer_id,order_date,amount,store',
  `e2e-o1,c1,${day(1)} 10:00,20.5,Store 3`,
  `e2e-o2,c1,${day(2)} 11:30,30,Store 3`,
  `e2e-o3,c2,${day(1)} 09:15,15,Store 8`,
  `e2e-o4,,${day(1)} 12:00,10,Store 8`,
  'e2e-o5,c3,2026-02-30,5,Store 8',
  '',
].join('\n');
// The same customers as members: c1 gold, c2 silver.
const MEMBERS = ['member_id,registered_at,gender,birth_year,city,tier', `c1,${day(5)},female,1990,Shanghai,gold`, `c2,${day(4)},male,2001,Beijing,silver`, ''].join('\n');

async function edgeJson(path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${edge.url}/v1/sites/${DEMO.site}${path}`, { headers: { authorization: `Bearer ${DEMO.adminToken}` } });
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  const appPort = await freePort();
  edge = await startFilledEdge({ appOrigins: [`http://127.0.0.1:${appPort}`], events: 1000, days: 3 });
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

describe('imports in the dashboard', () => {
  it('checks an orders CSV with the edge (nothing written), imports it, and RFM offline counts exactly its customers', async () => {
    await connectDashboard(page, app.url, { edgeUrl: edge.url, site: DEMO.site, token: DEMO.adminToken });

    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Imports', exact: true }).click();
    await page.locator('[data-import-file]').setInputFiles({ name: 'store-orders.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await expect.poll(() => page.getByRole('table', { name: 'First rows of the file' }).isVisible(), POLL).toBe(true);
    // the columns are suggested from the header
    expect(await page.locator('[data-map-field="user"] select').inputValue()).toBe('customer_id');
    expect(await page.locator('[data-map-field="time"] select').inputValue()).toBe('order_date');

    const before = (await edgeJson('/manifest')).files as unknown[];
    await page.locator('[data-import-check]').click();
    await expect.poll(() => page.locator('[data-import-checked]').getAttribute('data-import-checked'), POLL).toBe('3');
    expect(await page.locator('[data-rejected-line]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-rejected-line')))).toEqual(['5', '6']);
    // a check writes nothing
    expect(((await edgeJson('/manifest')).files as unknown[]).length).toBe(before.length);

    await page.locator('[data-import-commit]').click();
    await expect.poll(() => page.locator('[data-import-committed]').count(), POLL).toBe(1);
    const imports = (await edgeJson('/imports')).imports as { id: string; kind: string }[];
    expect(imports.map((i) => i.kind)).toEqual(['orders']);
    await expect.poll(() => page.locator(`[data-import="${imports[0]!.id}"]`).count(), POLL).toBe(1);

    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'RFM', exact: true }).click();
    const form = page.getByRole('form', { name: 'RFM settings' });
    await form.locator('[data-rfm-origin]').selectOption('offline');
    const button = form.getByRole('button', { name: 'Run RFM', exact: true });
    const run = async () => {
      await button.click();
      await expect.poll(() => button.isEnabled(), POLL).toBe(true);
    };
    await run();
    // the reload after the import may land after a first run: rerun until the imported orders are in
    await expect
      .poll(async () => {
        const buyers = await page.locator('[data-rfm-buyers]').getAttribute('data-rfm-buyers');
        if (buyers !== '2') await run();
        return buyers;
      }, POLL)
      .toBe('2');

    // customers of the imported orders: c1 (20.5 + 30, twice) and c2 (15)
    const panel = page.locator('[data-customer-value]');
    expect(await panel.getAttribute('data-origin')).toBe('offline');
    const metric = async (name: string) => Number(await panel.locator(`[data-metric="${name}"]`).getAttribute('data-value'));
    expect(await metric('customers')).toBe(2);
    expect(await panel.getAttribute('data-orders')).toBe('3');
    expect(await metric('historicalClv')).toBeCloseTo(65.5 / 2, 9);
    expect(await metric('repurchaseRate')).toBe(0.5);
    expect(await metric('predictiveClv')).toBeCloseTo(65.5, 9);
    expect(await metric('firstPurchaseRate')).toBe(1);
    // online and offline orders are disjoint: both together are the sum of each alone
    const totals = async (origin: 'online' | 'all') => {
      await form.locator('[data-rfm-origin]').selectOption(origin);
      await run();
      await expect.poll(() => panel.getAttribute('data-origin'), POLL).toBe(origin);
      return { orders: Number(await panel.getAttribute('data-orders')), revenue: Number(await panel.getAttribute('data-revenue')) };
    };
    const online = await totals('online');
    const all = await totals('all');
    expect(online.orders).toBeGreaterThan(0);
    expect(all.orders).toBe(online.orders + 3);
    expect(all.revenue).toBeCloseTo(online.revenue + 65.5, 6);
    if (process.env.IMPORTS_SCREENSHOTS) await page.screenshot({ path: `${process.env.IMPORTS_SCREENSHOTS}/rfm-customers.png`, fullPage: true });
  });

  it('imports members and segments them on a declared attribute', async () => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Imports', exact: true }).click();
    await page.locator('[data-import-file]').setInputFiles({ name: 'members.csv', mimeType: 'text/csv', buffer: Buffer.from(MEMBERS) });
    await expect.poll(() => page.locator('select[name="kind"]').inputValue(), POLL).toBe('customers');
    await page.locator('[data-import-check]').click();
    await expect.poll(() => page.locator('[data-import-checked]').getAttribute('data-import-checked'), POLL).toBe('2');
    await page.locator('[data-import-commit]').click();
    await expect.poll(async () => ((await edgeJson('/imports')).imports as { kind: string }[]).map((i) => i.kind).sort(), POLL).toEqual(['customers', 'orders']);

    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Segments', exact: true }).click();
    const builder = page.getByRole('form', { name: 'Segment builder' });
    const first = page.getByRole('group', { name: 'Condition 1', exact: true });
    await first.getByLabel('Condition type').selectOption('attribute');
    await first.getByLabel('Attribute').selectOption('tier');
    await first.getByLabel('Operator').selectOption('eq');
    await first.getByLabel('Value').fill('gold');
    const size = page.locator('[data-segment-size]');
    // the reload after the import may land after a first run: rerun until the members are in
    await expect
      .poll(async () => {
        await builder.getByRole('button', { name: 'Run segment' }).click();
        await expect.poll(async () => (await page.locator('[data-segment-spec]').count()) > 0, POLL).toBe(true);
        return size.getAttribute('data-segment-size');
      }, POLL)
      .toBe('1');
    const spec = JSON.parse((await page.locator('[data-segment-spec]').getAttribute('data-segment-spec'))!) as { condition: unknown };
    expect(spec.condition).toEqual({ and: [{ type: 'attribute', attribute: 'tier', op: 'eq', value: 'gold' }] });
    if (process.env.IMPORTS_SCREENSHOTS) await page.screenshot({ path: `${process.env.IMPORTS_SCREENSHOTS}/segment-attribute.png`, fullPage: true });

    // tag coverage: the two members declared a tier, nobody a registration store
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Data quality', exact: true }).click();
    const settings = page.getByRole('form', { name: 'Data quality settings' });
    await settings.getByRole('button', { name: 'Run checks' }).click();
    const coverage = page.getByRole('table', { name: 'Tag coverage' });
    await expect.poll(() => coverage.isVisible(), POLL).toBe(true);
    expect(await coverage.locator('tr[data-tag="tier"] td').nth(1).textContent()).toBe('2');
    expect(await coverage.locator('tr[data-tag="registration_store"]').getAttribute('data-meets')).toBe('false');
    expect(await coverage.locator('tr[data-tag="lifecycle"]').getAttribute('data-meets')).toBe('true');
    if (process.env.IMPORTS_SCREENSHOTS) await page.screenshot({ path: `${process.env.IMPORTS_SCREENSHOTS}/data-quality-tags.png`, fullPage: true });
  });

  it('imports an ad report (Parquet), and Attribution shows the offline channel and the imported spend', async () => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Imports', exact: true }).click();
    await page.locator('select[name="kind"]').selectOption('ad_spend');
    await page.locator('[data-import-file]').setInputFiles({ name: 'ads.parquet', mimeType: 'application/vnd.apache.parquet', buffer: adSpendParquet() });
    await expect.poll(() => page.getByRole('table', { name: 'First rows of the file' }).isVisible(), POLL).toBe(true);
    // the preview decodes the Parquet file: its first row's text as the edge reads it
    expect(await page.getByRole('table', { name: 'First rows of the file' }).locator('tbody tr').first().locator('td').allTextContents()).toEqual([day(1), 'newsletter', 'e2e-newsletter', '1000', '40', '10']);
    expect(await page.locator('select[name="kind"]').inputValue()).toBe('ad_spend');
    expect(await page.locator('[data-map-field="spend"] select').inputValue()).toBe('spend');
    await page.locator('[data-import-check]').click();
    await expect.poll(() => page.locator('[data-import-checked]').getAttribute('data-import-checked'), POLL).toBe('8');
    await page.locator('[data-import-commit]').click();
    await expect.poll(async () => ((await edgeJson('/imports')).imports as { kind: string }[]).map((i) => i.kind).sort(), POLL).toEqual(['ad_spend', 'customers', 'orders']);

    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Attribution', exact: true }).click();
    const form = page.getByRole('form', { name: 'Attribution settings' });
    const run = async () => {
      await form.getByRole('button', { name: 'Run', exact: true }).click();
      await expect.poll(async () => (await form.locator('[data-run-status="done"]').count()) || (await form.getByRole('alert').allTextContents()).join(' ') || 0, POLL).toBe(1);
    };
    await run();
    // the stores' orders (20.5 + 30 + 15) are the offline channel's, last touch; the ad report's 80 is the spend
    await expect
      .poll(async () => {
        const revenue = await page.locator('tr[data-channel="offline"] [data-model="last"][data-metric="revenue"]').first().getAttribute('data-value').catch(() => null);
        if (revenue === null) await run();
        return revenue === null ? null : Number(revenue);
      }, POLL)
      .toBeCloseTo(65.5, 9);
    const spend = page.getByRole('heading', { name: 'Spend, CPA, ROAS and ROI' }).locator('xpath=..');
    await expect.poll(async () => (await spend.textContent()) ?? '', POLL).toMatch(/Spend \D*80(\.00)? from imported ad reports \(by platform\)/);
    expect(await spend.locator('[data-metric="roas"]').count()).toBeGreaterThan(0);
    // the spend is by platform while the touches are channels: the page says so and offers the matching touch property
    const hint = page.locator('[data-spend-touch-hint]');
    expect(await hint.count()).toBe(1);
    await hint.getByRole('button').click();
    await run();
    await expect.poll(() => hint.count(), POLL).toBe(0);
  });
});
