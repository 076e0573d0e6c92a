/**
 * The marketing views in real Chromium. Demo events generated as Parquet are opened through the page's file input;
 * every headline number the page shows must equal the same analysis module run by native DuckDB in Node on the same
 * files (the same spec, built by the views' own form modules). The edge under wrangler dev is used only for what only
 * it has: alerts and its collection counters, reached with the dashboard's read (viewer) token.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openNativeStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { buildPersonMap, qualityReportFromCounters, runAttribution, runBasket, runCampaignLift, runDataQuality, runExperiment, type AttributionModel, type AttributionResult } from '@privacy-analytics/core/analytics';
import { attributionSpec, defaultAttributionForm } from '../src/lib/state/marketing/attribution-form';
import { basketSpec, defaultBasketForm } from '../src/lib/state/marketing/basket-form';
import { campaignLiftSpec, defaultCampaignForm } from '../src/lib/state/marketing/campaign-form';
import { defaultExperimentForm, experimentSpec } from '../src/lib/state/marketing/experiment-form';
import { defaultQualityForm, qualitySpec } from '../src/lib/state/marketing/quality-state.svelte.ts';
import { DEMO, freePort, launchChromium, recordRequests, serveDashboard, startFilledEdge, writeDemoParquet, type FilledEdge, type ServedApp } from '@privacy-analytics/scripts/harness';


let edge: FilledEdge;
let app: ServedApp;
let outDir: string;
let dataDir: string;
let files: string[];
let browser: Browser;
let context: BrowserContext;
let page: Page;
let native: EventStore;
let range: { from: string; to: string };

function parquetFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function generateParquet(dir: string): Promise<void> {
  await writeDemoParquet(dir, { events: 5000, days: 10, start: '2026-11-01', storeOrders: 60 });
}

async function nav(name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name, exact: true }).click();
}

async function runAndWait(formName: string, button = 'Run'): Promise<void> {
  const form = page.getByRole('form', { name: formName });
  await form.getByRole('button', { name: button, exact: true }).click();
  const outcome = async () => ((await form.locator('[data-run-status="done"]').count()) ? 'done' : ((await form.getByRole('alert').allTextContents()).join(' ') || 'running'));
  await expect.poll(outcome, { timeout: 60_000 }).toBe('done');
}

const POLL = { timeout: 30_000 };
const visible = (locator: Locator) => expect.poll(() => locator.first().isVisible(), POLL).toBe(true);
const hasText = (locator: Locator, text: string) => expect.poll(async () => (await locator.first().isVisible()) ? await locator.first().textContent() : '', POLL).toContain(text);

/** The `data-value` of the cells matching `selector`, keyed by their row's `data-channel` (and the cell's `data-model`). */
async function cells(selector: string): Promise<Record<string, number>> {
  return page.locator(selector).evaluateAll((els) =>
    Object.fromEntries(
      els.map((el) => {
        const channel = el.closest('tr')!.getAttribute('data-channel');
        const model = el.getAttribute('data-model');
        return [model === null ? channel : `${channel}/${model}`, Number(el.getAttribute('data-value'))];
      }),
    ),
  );
}

beforeAll(async () => {
  const appPort = await freePort();
  const appOrigin = `http://127.0.0.1:${appPort}`;
  dataDir = mkdtempSync(join(tmpdir(), 'pa-marketing-'));
  outDir = inject('dashboardDir');
  [edge] = await Promise.all([startFilledEdge({ appOrigins: [appOrigin], events: 1000, days: 2 }), generateParquet(dataDir)]);
  files = parquetFiles(dataDir);
  app = await serveDashboard(outDir, appPort);
  native = await openNativeStore({ threads: 1 });
  await native.resetEvents();
  await native.loadParquetFiles(files);
  await buildPersonMap(native);
  const [bounds] = await native.query<{ from: string; to: string }>(`SELECT strftime(min("timestamp"), '%Y-%m-%d') AS "from", strftime(max("timestamp"), '%Y-%m-%d') AS "to" FROM events`);
  range = { from: bounds!.from, to: bounds!.to };
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1360, height: 1000 } });
  await recordRequests(context, [app.origin, edge.url]);
  page = await context.newPage();
}, 600_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await edge?.kill().catch(() => undefined);
  await native?.close().catch(() => undefined);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('marketing views in Chromium', () => {
  it('opens the generated Parquet files', async () => {
    await page.goto(`${app.url}?view=connect`);
    // The data engine starts before any view shows; on a busy 2-core machine that takes a while.
    await expect.poll(() => page.getByLabel('Choose Parquet files').isVisible(), { timeout: 90_000 }).toBe(true);
    await page.getByLabel('Choose Parquet files').setInputFiles(files);
    const [{ rows }] = (await native.query<{ rows: number }>('SELECT count(*)::INTEGER AS "rows" FROM events')) as [{ rows: number }];
    await expect.poll(() => page.getByRole('status', { name: 'Data source' }).textContent(), { timeout: 90_000 }).toContain(`${rows.toLocaleString('en-US')} events loaded`);
  });

  let attribution: AttributionResult;
  it('attribution: every model per channel equals native DuckDB', async () => {
    await nav('Attribution');
    await runAndWait('Attribution settings');
    attribution = await runAttribution(native, attributionSpec(defaultAttributionForm(), range));
    expect(attribution.totals.conversions).toBeGreaterThan(10);
    expect(Number(await page.locator('[data-total="conversions"]').getAttribute('data-value'))).toBe(attribution.totals.conversions);
    expect(Number(await page.locator('[data-total="converting"]').getAttribute('data-value'))).toBe(attribution.paths.converting);
    expect(Number(await page.locator('[data-total="non-converting"]').getAttribute('data-value'))).toBe(attribution.paths.nonConverting);
    const shown = await cells('table[aria-label="Conversions and revenue per channel and model"] td[data-metric="conversions"]');
    for (const channel of attribution.channels) for (const model of attribution.models) expect(shown[`${channel.channel}/${model}`], `${channel.channel}/${model}`).toBeCloseTo(channel.conversions[model]!, 9);
    const removal = await cells('table[aria-label="Markov removal effects"] td[data-metric="removal-effect"]');
    for (const [channel, effect] of Object.entries(attribution.markov!.removalEffects)) expect(removal[channel]).toBeCloseTo(effect, 9);
    expect(Number(await page.locator('[data-markov-probability]').getAttribute('data-markov-probability'))).toBeCloseTo(attribution.markov!.conversionProbability, 12);
    expect(await page.getByRole('img', { name: 'Conversions per channel and model chart' }).getAttribute('data-rendered')).toBe('true');
    // new customers (first order ever) credited under the first model, with their quality over the follow-up window
    expect(attribution.newCustomers.total).toBeGreaterThan(5);
    expect(Number(await page.locator('[data-total="new-customers"]').getAttribute('data-value'))).toBe(attribution.newCustomers.total);
    await expectQuality(attribution, attribution.models[0]!);
  });

  /** The New-customer quality table under `model` equals `expected` channel by channel. */
  async function expectQuality(expected: AttributionResult, model: AttributionModel): Promise<void> {
    const table = 'table[aria-label="New-customer quality per channel"]';
    const credited = expected.channels.filter((c) => c.newCustomers[model]! > 1e-12);
    expect(credited.length).toBeGreaterThan(0);
    expect(await page.locator(`${table} tbody tr`).count()).toBe(credited.length);
    const shown = async (metric: string) => cells(`${table} td[data-metric="${metric}"]`);
    const [count, mature, immature, repeat, revenue] = await Promise.all(['new-customers', 'mature', 'immature', 'repeat-share', 'revenue-per-new-customer'].map(shown));
    for (const c of credited) {
      const q = c.newCustomerQuality[model]!;
      expect(count![c.channel], c.channel).toBeCloseTo(c.newCustomers[model]!, 9);
      expect(mature![c.channel], c.channel).toBeCloseTo(q.mature, 9);
      expect(immature![c.channel], c.channel).toBeCloseTo(q.immature, 9);
      if (q.repeatShare === null) expect(repeat![c.channel]).toBe(0);
      else expect(repeat![c.channel]).toBeCloseTo(q.repeatShare, 9);
      if (q.revenuePerCustomer === null) expect(revenue![c.channel]).toBe(0);
      else expect(revenue![c.channel]).toBeCloseTo(q.revenuePerCustomer, 6);
    }
  }

  it('attribution: offline touches per store and a 3-day follow-up put stores beside web channels, new customers equal native DuckDB', async () => {
    const form = page.getByRole('form', { name: 'Attribution settings' });
    await form.getByLabel('Offline touches').selectOption('store');
    await form.getByLabel('New-customer follow-up (days)').fill('3');
    await runAndWait('Attribution settings');
    const expected = await runAttribution(native, attributionSpec({ ...defaultAttributionForm(), offlineTouch: 'store', newCustomerWindowDays: 3 }, range));
    const stores = expected.channels.filter((c) => c.channel.startsWith('offline:')).map((c) => c.channel);
    expect(stores.length).toBe(3);
    const shown = await cells('table[aria-label="Conversions and revenue per channel and model"] td[data-metric="conversions"]');
    for (const channel of expected.channels) expect(shown[`${channel.channel}/linear`], channel.channel).toBeCloseTo(channel.conversions.linear!, 9);
    expect(expected.newCustomers.quality.mature).toBeGreaterThan(0);
    await page.getByRole('combobox', { name: 'Credit by' }).selectOption('linear');
    await expectQuality(expected, 'linear');
    await form.getByLabel('Offline touches').selectOption('offline');
    await form.getByLabel('New-customer follow-up (days)').fill('90');
  });

  it('attribution: a malformed spend CSV is refused with the line and value; a good one adds CPA and flags ROI below 1', async () => {
    const spendInput = page.getByLabel('Spend CSV (date,channel,spend)');
    await spendInput.setInputFiles({ name: 'spend.csv', mimeType: 'text/csv', buffer: Buffer.from('date,channel,spend\n2026-11-02,email,fifty\n') });
    await hasText(page.getByRole('alert').filter({ hasText: 'The spend CSV cannot be used' }), 'spend.csv line 2, column 3 (spend): expected a non-negative number such as 1250.50, got "fifty"');

    const csv = `date,channel,spend\n${range.from},email,5\n${range.from},paid_search,100000\n${range.from},organic_search,1\n`;
    await spendInput.setInputFiles({ name: 'spend.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await visible(page.getByRole('status').filter({ hasText: 'spend.csv: 3 rows' }));
    await runAndWait('Attribution settings');
    const expected = await runAttribution(native, attributionSpec(defaultAttributionForm(), range), { spendCsv: csv, spendLabel: 'spend.csv' });
    const paid = expected.channels.find((c) => c.channel === 'paid_search')!;
    const row = page.locator('table[aria-label="Spend economics per channel and model"] tr[data-channel="paid_search"][data-model="linear"]');
    expect(await row.getAttribute('data-roi-below-one')).toBe(String(paid.roiBelowOne!.includes('linear')));
    expect(paid.roiBelowOne).toContain('linear');
    await hasText(row.locator('td[data-metric="roi"]'), 'ROI < 1');
    const cpa = Number(await row.locator('td[data-metric="cpa"]').getAttribute('data-value'));
    if (paid.cpa!.linear === null) expect(cpa).toBe(0);
    else expect(cpa).toBeCloseTo(paid.cpa!.linear!, 9);
    expect(Number(await row.locator('td[data-metric="new-customers"]').getAttribute('data-value'))).toBeCloseTo(paid.newCustomers.linear!, 9);
    expect(paid.newCustomers.linear).toBeGreaterThan(0);
    expect(Number(await row.locator('td[data-metric="cost-per-new-customer"]').getAttribute('data-value'))).toBeCloseTo(paid.costPerNewCustomer!.linear!, 6);
  });

  it('basket: summary and rules equal native DuckDB; "also bought" answers for a product', async () => {
    await nav('Basket rules');
    const form = page.getByRole('form', { name: 'Basket settings' });
    await form.getByLabel('Min support (%)').fill('5');
    await form.getByLabel('Min lift').fill('0');
    await runAndWait('Basket settings');
    const expected = await runBasket(native, basketSpec({ ...defaultBasketForm(), minSupportPercent: 5, minLift: 0 }, range));
    expect(expected.baskets).toBeGreaterThan(10);
    for (const [key, value] of [['baskets', expected.baskets], ['items', expected.items], ['itemsets', expected.frequentItemsets], ['rules', expected.totalRules]] as const) {
      expect(Number(await page.locator(`[data-total="${key}"]`).getAttribute('data-value')), key).toBe(value);
    }
    const rows = await page.locator('table[aria-label="Association rules"] tbody tr').count();
    expect(rows).toBe(Math.min(200, expected.rules.length));
    if (expected.rules.length) {
      const top = expected.rules[0]!;
      const lift = await page.locator('table[aria-label="Association rules"] tbody tr').first().locator('[data-metric="lift"]').getAttribute('data-value');
      expect(Number(lift)).toBeCloseTo(top.lift, 9);
    }
    await visible(page.getByRole('table', { name: 'Also bought' }).or(page.getByText(/No basket with .* holds another item/)));
  });

  it('experiments: the experiment is listed, variants equal native DuckDB, and a skewed split raises a loud SRM warning', async () => {
    await nav('Experiments');
    const form = page.getByRole('form', { name: 'Experiment settings' });
    await expect.poll(() => form.getByLabel('Experiment', { exact: true }).inputValue(), { timeout: 30_000 }).toBe('checkout_button');
    await form.getByLabel('Expected split (empty: equal)').fill('control: 95, treatment: 5');
    await runAndWait('Experiment settings');
    const expected = await runExperiment(native, experimentSpec({ ...defaultExperimentForm(), experiment: 'checkout_button', expectedSplit: 'control: 95, treatment: 5' }, range));
    expect(expected.srm.mismatch).toBe(true);
    const alert = page.getByRole('alert').filter({ hasText: 'Sample ratio mismatch' });
    await visible(alert);
    await hasText(alert, 'do not trust these results');
    expect(await alert.evaluate((el) => getComputedStyle(el).borderTopWidth)).toBe('2px');
    for (const v of expected.variants) {
      const row = page.locator(`table[aria-label="Variants"] tr[data-variant="${v.variant}"]`);
      expect(Number(await row.locator('[data-metric="exposed"]').getAttribute('data-value'))).toBe(v.exposed);
      expect(Number(await row.locator('[data-metric="converted"]').getAttribute('data-value'))).toBe(v.converted);
      expect(Number(await row.locator('[data-metric="p-best"]').getAttribute('data-value'))).toBeCloseTo(expected.probabilityToBeBest[v.variant]!, 12);
    }
    expect(expected.guidance.sufficient).toBe(false);
    await hasText(page.locator('[data-guidance="insufficient"]'), 'The sample is too small for a reliable decision');
    // the mismatch blocks the decision, and the page says so with the rule
    expect(expected.decision.verdict).toBe('blocked');
    await expect.poll(() => page.locator('[data-decision]').getAttribute('data-decision'), POLL).toBe('blocked');
    await hasText(page.getByRole('region', { name: 'Decision' }), 'No decision');
    await hasText(page.getByRole('region', { name: 'Decision' }), 'Rule: Ship a variant when P(best)');

    await form.getByLabel('Expected split (empty: equal)').fill('');
    await runAndWait('Experiment settings');
    const equal = await runExperiment(native, experimentSpec({ ...defaultExperimentForm(), experiment: 'checkout_button' }, range));
    await expect.poll(() => page.locator('[data-srm="mismatch"]').count(), POLL).toBe(equal.srm.mismatch ? 1 : 0);
    await expect.poll(() => page.locator('[data-decision]').getAttribute('data-decision'), POLL).toBe(equal.decision.verdict);
    await hasText(page.getByRole('region', { name: 'Decision' }), equal.decision.summary);
  });

  it('campaign lift: both periods and the lift equal native DuckDB', async () => {
    await nav('Campaign lift');
    await runAndWait('Campaign lift settings');
    const expected = await runCampaignLift(native, campaignLiftSpec(defaultCampaignForm(range)));
    const value = async (metric: string, period: string) => Number(await page.locator(`table[aria-label="Campaign lift"] tr[data-metric="${metric}"] td[data-period="${period}"]`).getAttribute('data-value'));
    expect(await value('active_persons', 'campaign')).toBe(expected.campaign.activePersons);
    expect(await value('active_persons', 'baseline')).toBe(expected.baseline.activePersons);
    expect(await value('conversion_rate', 'campaign')).toBeCloseTo(expected.campaign.conversionRate, 12);
    expect(await value('conversion_rate', 'lift')).toBeCloseTo(expected.lift.conversionRate.difference, 12);
    expect(await value('revenue_per_person', 'campaign')).toBeCloseTo(expected.campaign.revenuePerPerson, 9);
    expect(await value('retention', 'baseline')).toBeCloseTo(expected.baseline.retention.rate, 12);
  });

  it('data quality on local files: every check equals native DuckDB; no edge counters', async () => {
    await nav('Data quality');
    await visible(page.locator('[data-edge-quality="local"]'));
    await runAndWait('Data quality settings', 'Run checks');
    const expected = await runDataQuality(native, qualitySpec(defaultQualityForm(), range));
    for (const check of expected.checks) {
      const row = page.locator(`table[aria-label="Data quality checks"] tr[data-check="${check.id}"]`);
      const failing = await row.locator('[data-metric="failing"]').getAttribute('data-value');
      expect(failing === '' ? null : Number(failing), check.id).toBe(check.checked ? check.failing : null);
    }
    for (const [flag, n] of Object.entries(expected.flags)) expect(Number(await page.locator(`tr[data-flag="${flag}"] td`).getAttribute('data-value'))).toBe(n);
    expect(expected.identity!.persons).toBeGreaterThan(0);
    const share = async (measure: string) => Number(await page.locator(`tr[data-identity="${measure}"] td`).first().getAttribute('data-value'));
    expect(await share('persons')).toBeCloseTo(expected.identity!.identifiedPersonShare, 12);
    expect(await share('orders')).toBeCloseTo(expected.identity!.orderShare!, 12);
    expect(await share('revenue')).toBeCloseTo(expected.identity!.revenueShare!, 12);
    expect(expected.tagCoverage.persons).toBeGreaterThan(0);
    for (const entry of expected.tagCoverage.entries) {
      const row = page.locator(`table[aria-label="Tag coverage"] tr[data-tag="${entry.name}"]`);
      expect(Number(await row.locator('td[data-value]').getAttribute('data-value')), entry.name).toBeCloseTo(entry.share, 12);
      expect(await row.getAttribute('data-meets'), entry.name).toBe(String(entry.meetsTarget));
    }
  });

  it('alerts on local files say that alerts need an edge', async () => {
    await nav('Alerts');
    await hasText(page.locator('[data-alerts="local"]'), 'connect to an edge');
  });

  it("connected with the read token: the token's role is shown, fired alerts are listed, rules need the admin role, edge counters feed data quality", async () => {
    await nav('Data sources');
    await page.getByLabel('Edge URL').fill(edge.url);
    await page.getByLabel('Site').fill(DEMO.site);
    await page.getByLabel('Read token').fill(DEMO.readToken);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Data source' }).textContent(), { timeout: 60_000 }).toContain(DEMO.site);

    await nav('Alerts');
    try {
      await expect.poll(() => page.getByRole('heading', { name: 'Fired alerts' }).isVisible(), { timeout: 90_000 }).toBe(true);
    } catch (error) {
      // what the view shows instead, for the failure report
      console.error('Alerts view:', (await page.locator('main').innerText()).slice(0, 2000));
      throw error;
    }
    const whoAmI = (await (await fetch(`${edge.url}/v1/sites/${DEMO.site}/whoami`, { headers: { authorization: `Bearer ${DEMO.readToken}` } })).json()) as { role: string };
    expect(whoAmI.role).not.toBe('admin');
    await visible(page.locator(`[data-role="${whoAmI.role}"]`));
    await visible(page.locator('[data-alerts-fired="0"]'));
    await hasText(page.locator('[data-alert-rules="forbidden"]'), 'it needs the admin role (HTTP 403)');

    await nav('Data quality');
    const live = await fetch(`${edge.url}/v1/sites/${DEMO.site}/live?minutes=60`, { headers: { authorization: `Bearer ${DEMO.readToken}` } });
    const report = qualityReportFromCounters(await live.json());
    expect(report.total.accepted).toBeGreaterThan(0);
    await expect.poll(async () => Number(await page.locator('[data-edge-total="accepted"]').getAttribute('data-value')), { timeout: 30_000 }).toBe(report.total.accepted);
    expect(Number(await page.locator('[data-edge-total="rejected"]').getAttribute('data-value'))).toBe(report.total.rejected.total);
    expect(Number(await page.locator('[data-edge-total="bots"]').getAttribute('data-value'))).toBe(report.total.bots.total);
  });
});
