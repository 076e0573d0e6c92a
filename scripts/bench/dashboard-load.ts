/**
 * Dashboard load throughput in Debian's Chromium on this machine: N demo events (default 1M) normalised exactly as
 * the edge does it and written as the edge's hourly ZSTD Parquet files, served by a small stand-in for the edge's
 * read API (manifest + files, ETag, CORS) on loopback. Measured:
 *  - cold: empty IndexedDB, every file downloaded, decoded (parquet-wasm) and inserted into DuckDB-Wasm;
 *  - warm: the page reopened, every file from the IndexedDB cache (no file requests);
 *  - warm with 5 of the 42 columns decoded;
 *  - native DuckDB (`@duckdb/node-api`) reading the same files into a table, single-threaded and with all cores.
 * Generated files are kept in bench/out/ (gitignored) and reused when the options match.
 *
 *   const rows = await benchDashboardLoad();   console.log(dashboardLoadMarkdown(rows));
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import * as parquetWasm from 'parquet-wasm/node';
import { messagesToRows } from '@privacy-analytics/core/ingest';
import { HmacIdHasher } from '@privacy-analytics/core/privacy';
import type { EventRow } from '@privacy-analytics/core/schema';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { encodeEventsParquet, eventFileKey, partitionOf, type ParquetWasm } from '@privacy-analytics/core/parquet';
import { buildEngineHarness, freePort, launchChromium, openEngine, REPO_ROOT, serveHarness } from '../harness';
import type { DuckDbBundleName, LoadResult } from '@privacy-analytics/web/engine';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';

export interface DashboardLoadOptions {
  events?: number;
  days?: number;
  seed?: number;
  /** force a DuckDB build (default: chosen by the page, COI here) */
  bundle?: DuckDbBundleName;
  log?: (line: string) => void;
}

export interface DashboardLoadRow {
  measure: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** rows/s relative to native DuckDB, single-threaded, reading the same files */
  ofNativeSingleThread: number | null;
  note: string;
}

export const STAND_IN_SITE = 'demo';
export const STAND_IN_TOKEN = 'bench-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';
const SITE = STAND_IN_SITE;
const TOKEN = STAND_IN_TOKEN;
const FEW_COLUMNS = ['timestamp', 'event', 'anonymous_id', 'session_id', 'page_path'];

export interface Dataset {
  dir: string;
  files: ManifestEntry[];
  from: string;
  to: string;
}

export async function benchDashboardLoad(options: DashboardLoadOptions = {}): Promise<DashboardLoadRow[]> {
  const events = options.events ?? 1_000_000;
  const days = options.days ?? 30;
  const seed = options.seed ?? 42;
  const log = options.log ?? ((line: string) => console.log(`[bench:dashboard-load] ${line}`));
  const data = await demoDataset({ events, days, seed, log });
  const rows = data.files.reduce((n, f) => n + f.rows, 0);
  const bytes = data.files.reduce((n, f) => n + f.bytes, 0);
  log(`${rows.toLocaleString('en-US')} rows in ${data.files.length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB`);

  const native1 = await nativeLoad(data, 1);
  const nativeAll = await nativeLoad(data, 0);
  log(`native DuckDB: ${native1.toFixed(2)} s single-threaded, ${nativeAll.toFixed(2)} s all cores`);

  const appPort = await freePort();
  const appOrigin = `http://127.0.0.1:${appPort}`;
  const [harnessDir, edge] = await Promise.all([buildEngineHarness(), serveEdgeStandIn(data, appOrigin)]);
  const app = await serveHarness(harnessDir, { port: appPort });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    let fileRequests = 0;
    context.on('request', (request) => {
      if (request.url().includes('/files/')) fileRequests += 1;
    });
    const page = await context.newPage();
    let startSeconds = 0;
    const timedLoad = async (columns?: string[]) => {
      const opened = performance.now();
      await openEngine(page, app.url, { databaseName: 'bench-dashboard-load', ...(options.bundle ? { bundle: options.bundle } : {}) });
      startSeconds = (performance.now() - opened) / 1000;
      const info = await page.evaluate(() => window.engine.info());
      return page.evaluate(
        async ({ conn, range, columns }) => {
          await window.engine.saveConnection(conn);
          const started = performance.now();
          const result: LoadResult = await window.engine.loadRange(range, columns ? { columns } : {});
          return { result, seconds: (performance.now() - started) / 1000, bundle: '' };
        },
        { conn: { url: edge.url, site: SITE, token: TOKEN }, range: { from: data.from, to: data.to }, columns },
      ).then((r) => ({ ...r, bundle: `${info.bundle}, ${info.threads} thread(s)` }));
    };

    const cold = await timedLoad();
    const coldStart = startSeconds;
    const coldRequests = fileRequests;
    check(cold.result, rows, 'cold');
    log(`cold: ${cold.seconds.toFixed(2)} s (${coldRequests} file requests, DuckDB ${cold.bundle})`);
    fileRequests = 0;
    const warm = await timedLoad();
    check(warm.result, rows, 'warm');
    log(`warm: ${warm.seconds.toFixed(2)} s (${fileRequests} file requests, ${warm.result.fromCache} files from cache)`);
    fileRequests = 0;
    const few = await timedLoad(FEW_COLUMNS);
    check(few.result, rows, 'warm, 5 columns');
    log(`warm, ${FEW_COLUMNS.length} columns: ${few.seconds.toFixed(2)} s`);

    const row = (measure: string, seconds: number, note: string): DashboardLoadRow => ({
      measure,
      rows,
      seconds,
      rowsPerSecond: rows / seconds,
      ofNativeSingleThread: native1 / seconds,
      note,
    });
    return [
      row('dashboard, cold (network)', cold.seconds, `${coldRequests} file requests on loopback, ${(bytes / 2 ** 20).toFixed(1)} MiB; DuckDB-Wasm ${cold.bundle}; engine start before it ${coldStart.toFixed(1)} s`),
      row('dashboard, warm (IndexedDB cache)', warm.seconds, `${warm.result.fromCache} of ${warm.result.filesTotal} files from the cache, ${fileRequests} file requests`),
      row(`dashboard, warm, ${FEW_COLUMNS.length} of 42 columns`, few.seconds, FEW_COLUMNS.join(', ')),
      { measure: 'native DuckDB, 1 thread', rows, seconds: native1, rowsPerSecond: rows / native1, ofNativeSingleThread: 1, note: 'CREATE TABLE AS SELECT * FROM read_parquet(files)' },
      { measure: 'native DuckDB, all cores', rows, seconds: nativeAll, rowsPerSecond: rows / nativeAll, ofNativeSingleThread: native1 / nativeAll, note: 'same, default threads' },
    ];
  } finally {
    await browser.close();
    await app.close();
    await new Promise<void>((resolve) => edge.server.close(() => resolve()));
  }
}

export function dashboardLoadMarkdown(rows: readonly DashboardLoadRow[]): string {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  return [
    '| measure | rows | seconds | rows/s | × native (1 thread) | note |',
    '|---|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.measure} | ${fmt(r.rows)} | ${r.seconds.toFixed(2)} | ${fmt(r.rowsPerSecond)} | ${r.ofNativeSingleThread === null ? '' : r.ofNativeSingleThread.toFixed(2)} | ${r.note} |`),
  ].join('\n');
}

function check(result: LoadResult, rows: number, label: string): void {
  if (result.cancelled || result.failures.length > 0 || result.rows !== rows) {
    throw new Error(`${label} load: ${result.rows} of ${rows} rows, ${result.failures.length} failures ${JSON.stringify(result.failures.slice(0, 3))}`);
  }
}

/** Demo events -> edge rows -> one ZSTD Parquet file per hour partition, as the edge's keys and manifest name them. */
export async function demoDataset(options: { events: number; days: number; seed: number; log: (line: string) => void }): Promise<Dataset> {
  const dir = join(REPO_ROOT, 'bench', 'out', `dashboard-load-${options.events}-${options.days}d-seed${options.seed}`);
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(manifestPath)) return JSON.parse(readFileSync(manifestPath, 'utf8')) as Dataset;
  options.log(`generating ${options.events.toLocaleString('en-US')} demo events (kept in ${dir})`);
  const end = Date.UTC(2026, 9, 1);
  const start = new Date(end - options.days * 86_400_000);
  const hasher = new HmacIdHasher('bench-key');
  const partitions = new Map<string, EventRow[]>();
  const outcomes = messagesToRows(
    generateDemoEvents({ seed: options.seed, events: options.events, start, days: options.days }),
    (raw) => ({ receivedAt: Date.parse(String(raw.timestamp)) + 1000, country: null, region: null, requestUserAgent: null }),
    { site: SITE, hasher, queryParams: ['ref', 'q'], scrub: true },
  );
  for await (const outcome of outcomes) {
    if (outcome.kind !== 'row') continue;
    const { date, hour } = partitionOf(outcome.row.timestamp);
    const key = `${date}/${hour}`;
    const list = partitions.get(key) ?? [];
    list.push(outcome.row);
    partitions.set(key, list);
  }
  mkdirSync(join(dir, 'files'), { recursive: true });
  const files: ManifestEntry[] = [];
  for (const [partitionKey, rows] of [...partitions].sort(([a], [b]) => a.localeCompare(b))) {
    rows.sort((a, b) => a.timestamp - b.timestamp);
    const [date, hour] = partitionKey.split('/') as [string, string];
    const key = eventFileKey(SITE, { date, hour: Number(hour) }, 'part-0000');
    const bytes = encodeEventsParquet(rows, parquetWasm as unknown as ParquetWasm);
    writeFileSync(join(dir, 'files', `${files.length}.parquet`), bytes);
    files.push({
      key,
      date,
      hour: Number(hour),
      bytes: bytes.byteLength,
      rows: rows.length,
      minTime: new Date(rows[0]!.timestamp).toISOString(),
      maxTime: new Date(rows.at(-1)!.timestamp).toISOString(),
      etag: `"${createHash('md5').update(bytes).digest('hex')}"`,
      createdAt: new Date(end).toISOString(),
    });
    partitions.delete(partitionKey);
  }
  const dataset: Dataset = { dir, files, from: files[0]!.date, to: files.at(-1)!.date };
  writeFileSync(manifestPath, JSON.stringify(dataset));
  return dataset;
}

export function filePath(data: Dataset, index: number): string {
  return join(data.dir, 'files', `${index}.parquet`);
}

async function nativeLoad(data: Dataset, threads: number): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', threads > 0 ? { threads: String(threads) } : {});
  const connection = await instance.connect();
  try {
    const list = data.files.map((_, i) => `'${filePath(data, i)}'`).join(', ');
    const started = performance.now();
    await connection.run(`CREATE TABLE events AS SELECT * FROM read_parquet([${list}])`);
    return (performance.now() - started) / 1000;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The edge's read API for the bench files: manifest (date-pruned), files with ETag, CORS for the app origin. */
export async function serveEdgeStandIn(data: Dataset, appOrigin: string): Promise<{ url: string; server: Server }> {
  const byKey = new Map(data.files.map((f, i) => [f.key, { file: f, path: filePath(data, i) }]));
  const cors = {
    'access-control-allow-origin': appOrigin,
    'access-control-allow-headers': 'authorization, range, if-none-match',
    'access-control-expose-headers': 'etag, content-length',
    vary: 'Origin',
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return res.writeHead(401, cors).end();
    if (url.pathname === `/v1/sites/${SITE}/manifest`) {
      const from = url.searchParams.get('from') ?? '0000';
      const to = url.searchParams.get('to') ?? '9999';
      const files = data.files.filter((f) => f.date >= from && f.date <= to);
      const body = JSON.stringify({ site: SITE, schemaVersion: 1, files, totals: { files: files.length, rows: files.reduce((n, f) => n + f.rows, 0), bytes: files.reduce((n, f) => n + f.bytes, 0) } });
      return res.writeHead(200, { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
    }
    const prefix = `/v1/sites/${SITE}/files/`;
    const entry = url.pathname.startsWith(prefix) ? byKey.get(decodeURIComponent(url.pathname.slice(prefix.length))) : undefined;
    if (!entry) return res.writeHead(404, cors).end();
    if (req.headers['if-none-match'] === entry.file.etag) return res.writeHead(304, { ...cors, etag: entry.file.etag }).end();
    const bytes = readFileSync(entry.path);
    return res.writeHead(200, { ...cors, etag: entry.file.etag, 'content-type': 'application/vnd.apache.parquet', 'content-length': bytes.byteLength }).end(bytes);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, server };
}

if (process.argv[1]?.endsWith('dashboard-load.ts')) {
  const events = Number(process.argv[2] ?? 1_000_000);
  const bundle = process.argv[3] as DuckDbBundleName | undefined;
  benchDashboardLoad({ events, ...(bundle ? { bundle } : {}) })
    .then((rows) => console.log(dashboardLoadMarkdown(rows)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
