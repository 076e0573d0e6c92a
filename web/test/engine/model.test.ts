/**
 * The ONNX path: onnxruntime-web (self-hosted) in the model worker scores a batch with the smoke model exactly as
 * the formula it encodes; bad input and foreign model URLs fail clearly; a crashed worker restarts with its models.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SMOKE_FEATURES, smokeScore } from '@privacy-analytics/models/smoke';
import { launchChromium, recordRequests, serveHarness, type RequestLog, type ServedHarness } from '@privacy-analytics/scripts/harness';

const ROWS = 1000;
const MODEL_URL = '/models/smoke/smoke.onnx';

let app: ServedHarness;
let plain: ServedHarness;
let browser: Browser;

function batch(rows: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: rows * SMOKE_FEATURES }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return (x / 2 ** 31) * 6 - 3;
  });
}

async function modelPage(served: ServedHarness): Promise<{ page: Page; requests: RequestLog }> {
  const context = await browser.newContext();
  const requests = await recordRequests(context, [served.origin]);
  const page = await context.newPage();
  await page.goto(served.url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await page.evaluate(() => {
    window.models = window.pa.createModelEngine();
  });
  return { page, requests };
}

function scoreInPage(page: Page, values: number[]): Promise<number[]> {
  return page.evaluate(
    async ({ values, features }) => Array.from(await window.models.score('smoke', Float32Array.from(values), values.length / features, features)),
    { values, features: SMOKE_FEATURES },
  );
}

beforeAll(async () => {
  app = await serveHarness(inject('harnessDir'));
  plain = await serveHarness(inject('harnessDir'), { crossOriginIsolation: false });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await plain?.close();
});

describe('model engine', () => {
  let page: Page;
  let requests: RequestLog;

  it('loads the smoke model and scores a batch equal to the JS formula', async () => {
    ({ page, requests } = await modelPage(app));
    const signature = await page.evaluate((url) => window.models.load('smoke', url), MODEL_URL);
    expect(signature).toEqual({ inputs: ['features'], outputs: ['score'] });
    const values = batch(ROWS, 7);
    const scores = await scoreInPage(page, values);
    expect(scores).toHaveLength(ROWS);
    for (let r = 0; r < ROWS; r++) expect(scores[r]).toBeCloseTo(smokeScore(values.slice(r * SMOKE_FEATURES, (r + 1) * SMOKE_FEATURES)), 6);
    expect(await page.evaluate(() => window.models.status)).toBe('ready');
    const wasm = requests.requests.filter((r) => r.url.includes('.wasm')).map((r) => new URL(r.url).pathname);
    expect(wasm).toEqual(['/wasm/ort-wasm-simd-threaded.wasm']);
    expect(requests.foreign).toEqual([]);
  });

  it('rejects input of the wrong shape and models from other origins', async () => {
    const shape = await page.evaluate(() => window.models.score('smoke', new Float32Array(10), 3, 4).then(() => null, (e: Error) => e.message));
    expect(shape).toMatch(/input has 10 values, expected rows x features = 3 x 4/);
    const unknown = await page.evaluate(() => window.models.score('nope', new Float32Array(4), 1, 4).then(() => null, (e: Error) => e.message));
    expect(unknown).toMatch(/model "nope" is not loaded \(loaded: smoke\)/);
    const foreign = await page.evaluate(() => window.models.load('x', 'https://models.example.com/x.onnx').then(() => null, (e: Error) => e.message));
    expect(foreign).toMatch(/models are served from our own origin; refusing https:\/\/models\.example\.com\/x\.onnx/);
    expect(requests.foreign).toEqual([]);
  });

  it('rejects calls after a crash and restarts with its models loaded again', async () => {
    const outcome = await page.evaluate(async () => {
      await window.models.simulateCrash();
      await new Promise((r) => setTimeout(r, 200));
      const status = window.models.status;
      const error = await window.models.score('smoke', new Float32Array(4), 1, 4).then(() => null, (e: Error) => ({ name: e.name, message: e.message }));
      return { status, error };
    });
    expect(outcome.status).toBe('crashed');
    expect(outcome.error).toMatchObject({ name: 'EngineCrashedError' });
    expect(outcome.error!.message).toMatch(/^model worker crashed \(model worker failed: .*simulated crash/);
    await page.evaluate(() => window.models.restart());
    const values = batch(10, 3);
    const scores = await scoreInPage(page, values);
    expect(scores[0]).toBeCloseTo(smokeScore(values.slice(0, SMOKE_FEATURES)), 6);
  });

  it('works on a page that is not cross-origin isolated', async () => {
    const { page: plainPage } = await modelPage(plain);
    await plainPage.evaluate((url) => window.models.load('smoke', url), MODEL_URL);
    const values = batch(50, 11);
    const scores = await scoreInPage(plainPage, values);
    expect(scores[49]).toBeCloseTo(smokeScore(values.slice(49 * SMOKE_FEATURES)), 6);
  });
});
