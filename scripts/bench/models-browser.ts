/**
 * Models in Chromium (Debian's /usr/bin/chromium, headless, through playwright-core):
 *  - churn scoring throughput of onnxruntime-web (wasm) in a dedicated worker, single-threaded and with a
 *    thread pool (the page is served with COOP/COEP, so SharedArrayBuffer works), for several batch sizes,
 *    beside the TypeScript forward pass (classifierScores) in the same worker on the same rows;
 *  - retraining churn on N demo events in the dashboard itself: files opened through the file input, the
 *    Models view's "Retrain in the browser" (features by SQL in the DuckDB worker, fitting in the training
 *    worker), wall clock.
 * The scoring page is served by a small Node server from onnxruntime-web's dist/ (not bundled: ORT's
 * thread pool starts its workers from its own module URL) and a worker bundled here by esbuild.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildDashboard, demoData, freePort, launchChromium, serveDashboard } from '../harness';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ORT_DIST = join(REPO, 'node_modules', 'onnxruntime-web', 'dist');

export interface ModelsBrowserBenchOptions {
  /** rows scored per measurement (default 1,000,000) */
  scoringRows?: number;
  /** rows per ONNX run (default 4,096 / 65,536 / 262,144 / 1,048,576) */
  batchSizes?: number[];
  /** onnxruntime-web thread counts (default 1 and navigator.hardwareConcurrency) */
  threads?: number[];
  /** timed repeats per measurement; the best counts (default 3) */
  repeats?: number;
  /** demo events to retrain churn on in the dashboard (default 1,000,000; 0 skips) */
  trainingEvents?: number;
  trainingDays?: number;
  log?: (line: string) => void;
}

export interface ModelsBrowserRow {
  measure: string;
  engine: string;
  batch: number | null;
  rows: number;
  ms: number;
  rowsPerSecond: number | null;
  note: string;
}

/** The worker: loads churn.onnx, builds `rows` feature rows around the model's own means, times ORT and TypeScript. */
const WORKER_SOURCE = `
import * as ort from '/ort/ort.wasm.min.mjs';
import { classifierFromOnnx, classifierScores } from './models/train/classifier/person-classifier';
self.onmessage = async (event) => {
  try {
    const { threads, rows, batches, repeats } = event.data;
    ort.env.wasm.wasmPaths = '/ort/';
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'error';
    const bytes = new Uint8Array(await (await fetch('/churn.onnx')).arrayBuffer());
    const { model } = classifierFromOnnx(bytes, 'churn.onnx');
    const width = model.mean.length;
    const x = new Float32Array(rows * width);
    let seed = 1;
    const normal = () => { seed = (seed * 1103515245 + 12345) % 2147483648; const u = (seed + 1) / 2147483649; seed = (seed * 1103515245 + 12345) % 2147483648; const v = (seed + 1) / 2147483649; return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v); };
    for (let r = 0; r < rows; r++) for (let i = 0; i < width; i++) x[r * width + i] = model.mean[i] + model.std[i] * normal();
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const input = session.inputNames[0];
    const output = session.outputNames[0];
    const results = [];
    let check = 0;
    for (const batch of batches) {
      let best = Infinity;
      for (let rep = 0; rep <= repeats; rep++) {
        const t0 = performance.now();
        for (let start = 0; start < rows; start += batch) {
          const n = Math.min(batch, rows - start);
          const out = await session.run({ [input]: new ort.Tensor('float32', x.subarray(start * width, (start + n) * width), [n, width]) });
          check += out[output].data[0];
          out[output].dispose();
        }
        const ms = performance.now() - t0;
        if (rep > 0) best = Math.min(best, ms);
      }
      results.push({ engine: 'ort', batch, ms: best });
    }
    let bestTs = Infinity;
    for (let rep = 0; rep <= repeats; rep++) {
      const t0 = performance.now();
      check += classifierScores(model, x, rows)[0];
      const ms = performance.now() - t0;
      if (rep > 0) bestTs = Math.min(bestTs, ms);
    }
    results.push({ engine: 'ts', batch: null, ms: bestTs });
    // the TypeScript pass is float64; scores of both on the first rows, to be sure both compute the same thing
    const n = Math.min(rows, 1000);
    const ortOut = (await session.run({ [input]: new ort.Tensor('float32', x.subarray(0, n * width), [n, width]) }))[output].data;
    const tsOut = classifierScores(model, x.subarray(0, n * width), n);
    let maxDiff = 0;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(ortOut[i] - tsOut[i]));
    self.postMessage({ ok: true, results, maxDiff, check, crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency });
  } catch (error) {
    self.postMessage({ ok: false, error: String(error && error.stack || error) });
  }
};
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>models bench</title><script type="module">
window.runBench = (options) => new Promise((resolve) => {
  const worker = new Worker('/bench-worker.js', { type: 'module' });
  worker.onmessage = (e) => { worker.terminate(); resolve(e.data); };
  worker.onerror = (e) => { worker.terminate(); resolve({ ok: false, error: e.message || 'worker error' }); };
  worker.postMessage(options);
});
document.body.dataset.ready = 'true';
</script>`;

const TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream', '.html': 'text/html' };

async function serveScoringPage(): Promise<{ origin: string; server: Server }> {
  const bundled = await build({
    stdin: { contents: WORKER_SOURCE, resolveDir: REPO, loader: 'ts', sourcefile: 'bench-worker.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['/ort/*'],
    write: false,
    logLevel: 'warning',
  });
  const workerJs = bundled.outputFiles[0]!.contents;
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-embedder-policy', 'require-corp');
    res.setHeader('cross-origin-resource-policy', 'same-origin');
    const send = (type: string, body: Uint8Array | string) => {
      res.setHeader('content-type', type);
      res.end(body);
    };
    if (path === '/') return send('text/html', PAGE);
    if (path === '/bench-worker.js') return send('text/javascript', workerJs);
    if (path === '/churn.onnx') return send('application/octet-stream', readFileSync(join(REPO, 'models', 'churn.onnx')));
    if (path.startsWith('/ort/')) {
      const file = normalize(join(ORT_DIST, path.slice('/ort/'.length)));
      if (file.startsWith(ORT_DIST + sep) && existsSync(file) && statSync(file).isFile()) {
        res.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
        createReadStream(file).pipe(res);
        return;
      }
    }
    res.statusCode = 404;
    res.end('not found');
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${port}`, server };
}

interface WorkerAnswer {
  ok: boolean;
  error?: string;
  results?: { engine: 'ort' | 'ts'; batch: number | null; ms: number }[];
  maxDiff?: number;
  crossOriginIsolated?: boolean;
  hardwareConcurrency?: number;
}

export async function benchModelsBrowser(options: ModelsBrowserBenchOptions = {}): Promise<ModelsBrowserRow[]> {
  const log = options.log ?? ((line: string) => console.log(`[bench:models-browser] ${line}`));
  const rows = options.scoringRows ?? 1_000_000;
  const batches = options.batchSizes ?? [4_096, 65_536, 262_144, 1_048_576];
  const repeats = options.repeats ?? 3;
  const out: ModelsBrowserRow[] = [];
  const browser = await launchChromium();
  try {
    const { origin, server } = await serveScoringPage();
    try {
      const page = await browser.newPage();
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      const threadCounts = options.threads ?? [...new Set([1, cores])];
      for (const threads of threadCounts) {
        log(`scoring ${rows.toLocaleString('en-US')} churn rows, ${threads} thread(s), batches ${batches.join(', ')}`);
        const answer = (await page.evaluate((o) => (window as unknown as { runBench(o: unknown): Promise<unknown> }).runBench(o), { threads, rows, batches: [...new Set(batches.map((b) => Math.min(b, rows)))], repeats })) as WorkerAnswer;
        if (!answer.ok) throw new Error(`the bench worker failed: ${answer.error}`);
        const note = `crossOriginIsolated ${answer.crossOriginIsolated}, ${answer.hardwareConcurrency} cores; max abs difference ORT vs TypeScript ${answer.maxDiff?.toExponential(1)}`;
        for (const r of answer.results!) {
          if (r.engine === 'ts' && threads !== threadCounts[0]) continue;
          out.push({
            measure: 'churn scoring (66 features)',
            engine: r.engine === 'ort' ? `onnxruntime-web wasm, ${threads} thread${threads === 1 ? '' : 's'}` : 'TypeScript forward pass (float64)',
            batch: r.batch,
            rows,
            ms: r.ms,
            rowsPerSecond: (rows / r.ms) * 1000,
            note,
          });
          log(`${out.at(-1)!.engine}${r.batch ? `, batch ${r.batch}` : ''}: ${Math.round((rows / r.ms) * 1000).toLocaleString('en-US')} rows/s`);
        }
      }
      await page.close();
    } finally {
      server.close();
    }
    const events = options.trainingEvents ?? 1_000_000;
    if (events > 0) out.push(await benchRetrainInDashboard(browser, events, options.trainingDays ?? 90, log));
  } finally {
    await browser.close().catch(() => undefined);
  }
  return out;
}

interface ModelsHandle {
  __dashboard: {
    viewState(key: string, make: () => unknown): {
      training: { status: string; error: string | null; result: { elapsedMs: number; trained: { card: { durationMs: { features: number; training: number; total: number }; split: { train: { rows: number } } } } } | null };
    };
  };
}

async function benchRetrainInDashboard(browser: Awaited<ReturnType<typeof launchChromium>>, events: number, days: number, log: (line: string) => void): Promise<ModelsBrowserRow> {
  log(`retraining churn in the dashboard on ${events.toLocaleString('en-US')} demo events (${days} days): generating or reusing the cached Parquet`);
  const data = await demoData({ events, days });
  const outDir = await buildDashboard();
  const app = await serveDashboard(outDir, await freePort());
  const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
  try {
    const page = await context.newPage();
    await page.goto(`${app.url}?view=connect`);
    const loadStarted = Date.now();
    const input = page.locator('input[type="file"]');
    // the dashboard first starts its data engine; on a busy machine that takes a while
    await input.waitFor({ state: 'attached', timeout: 300_000 });
    await input.setInputFiles(data.parquetFiles);
    await page.waitForFunction(
      () => {
        const text = document.querySelector('[aria-label="Data source"]')?.textContent ?? '';
        return /events loaded/.test(text) && !/\b0 events/.test(text);
      },
      undefined,
      { timeout: 1_800_000 },
    );
    log(`loaded in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);
    await page.getByRole('link', { name: 'Models', exact: true }).click();
    await page.waitForSelector('[data-scores-status="ready"]', { timeout: 1_800_000 });
    const group = page.getByRole('group', { name: 'Retrain a model' });
    await group.getByLabel('Model').selectOption('churn');
    await group.getByRole('button', { name: 'Retrain in the browser' }).click();
    const result = await (
      await page.waitForFunction(
        () => {
          const training = (globalThis as unknown as ModelsHandle).__dashboard.viewState('models', () => null).training;
          if (training.status === 'error') return { error: training.error };
          if (training.status !== 'done' || !training.result) return null;
          return { elapsedMs: training.result.elapsedMs, card: training.result.trained.card };
        },
        undefined,
        { timeout: 3_600_000, polling: 1_000 },
      )
    ).jsonValue() as { error?: string; elapsedMs?: number; card?: { durationMs: { features: number; training: number }; split: { train: { rows: number } } } };
    if (result.error) throw new Error(`retraining failed in the page: ${result.error}`);
    log(`churn retrained in ${(result.elapsedMs! / 1000).toFixed(1)} s`);
    return {
      measure: `retrain churn in the dashboard on ${events.toLocaleString('en-US')} events (${days} days)`,
      engine: 'DuckDB-Wasm worker (features SQL) + training worker (TypeScript)',
      batch: null,
      rows: result.card!.split.train.rows,
      ms: result.elapsedMs!,
      rowsPerSecond: null,
      note: `features SQL ${(result.card!.durationMs.features / 1000).toFixed(1)} s, fitting ${(result.card!.durationMs.training / 1000).toFixed(1)} s; rows = training rows`,
    };
  } finally {
    await context.close().catch(() => undefined);
    await app.close().catch(() => undefined);
  }
}

export function modelsBrowserMarkdown(rows: readonly ModelsBrowserRow[]): string {
  const rate = (r: ModelsBrowserRow) => (r.rowsPerSecond === null ? '–' : `${(r.rowsPerSecond / 1e6).toFixed(2)} M`);
  const best = Math.max(0, ...rows.filter((r) => r.engine.startsWith('onnxruntime')).map((r) => r.rowsPerSecond ?? 0));
  return [
    '| measure | engine | batch | rows | time | rows/s | note |',
    '|---|---|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.measure} | ${r.engine} | ${r.batch === null ? '–' : r.batch.toLocaleString('en-US')} | ${r.rows.toLocaleString('en-US')} | ${r.ms < 10_000 ? `${r.ms.toFixed(0)} ms` : `${(r.ms / 1000).toFixed(1)} s`} | ${rate(r)} | ${r.note} |`),
    '',
    `Target: ≥ 3 M rows/s for churn in Chromium. Best onnxruntime-web here: ${(best / 1e6).toFixed(2)} M rows/s (${best >= 3e6 ? 'met' : 'not met'}).`,
  ].join('\n');
}
