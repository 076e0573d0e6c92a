/**
 * Shared pieces of the engine browser tests: the harness page built with the project's Vite config and served by
 * `vite preview` (with or without COOP/COEP), Chromium, a request recorder, a real edge filled with demo events,
 * and native DuckDB over the edge's files for reference numbers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromArrays, tableToIPC } from '@uwdata/flechette';
import * as parquetWasm from 'parquet-wasm/node';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { build, preview } from 'vite';
import { sendEvents } from '../../../scripts/collector/send-events';
import { generateDemoEvents } from '../../../scripts/demo-data/generate';
// @ts-expect-error plain .mjs script without types
import { stageWasm } from '../../../scripts/stage-wasm.mjs';
import { dashboardConfig } from '../../../vite.config';
import { DEMO, REPO_ROOT, freePort, startLocalEdge, type LocalEdge } from '../../../worker-edge/e2e/local-edge';
import { normaliseMessage } from '../../../worker-edge/src/ingest/normalise-message';
import { HmacIdHasher } from '../../../worker-edge/src/privacy/keyed-hash';
import { EVENT_COLUMNS, type EventRow } from '../../../worker-edge/src/schema/event-columns';
import { segmentMessageSchema } from '../../../worker-edge/src/schema/segment-message';
import type { ManifestEntry } from '../../../worker-edge/src/storage/manifest-entry';
import { encodeEventsParquet, type ParquetWasm } from '../../../worker-edge/src/storage/parquet-writer';

export { DEMO, REPO_ROOT, freePort };

export const HARNESS_PATH = '/test/engine/harness.html';

/** Stages the wasm and builds the harness page (web/test/engine/harness.html) into a temp directory. */
export async function buildEngineHarness(outDir = mkdtempSync(join(tmpdir(), 'pa-engine-harness-'))): Promise<string> {
  (stageWasm as () => unknown)();
  const config = dashboardConfig();
  await build({
    ...config,
    configFile: false,
    logLevel: 'warn',
    build: { ...config.build, outDir, emptyOutDir: true, rolldownOptions: { input: { harness: join(REPO_ROOT, 'web', HARNESS_PATH) } } },
  });
  return outDir;
}

export interface ServedHarness {
  origin: string;
  url: string;
  close(): Promise<void>;
}

export async function serveHarness(outDir: string, options: { crossOriginIsolation?: boolean; port?: number } = {}): Promise<ServedHarness> {
  const config = dashboardConfig({ crossOriginIsolation: options.crossOriginIsolation ?? true });
  const port = options.port ?? (await freePort());
  const server = await preview({
    ...config,
    configFile: false,
    logLevel: 'warn',
    build: { ...config.build, outDir },
    preview: { ...config.preview, host: '127.0.0.1', port, strictPort: true, open: false },
  });
  const origin = `http://127.0.0.1:${port}`;
  return { origin, url: `${origin}${HARNESS_PATH}`, close: () => server.close() };
}

/**
 * Debian's Chromium, headless. Host names other than 127.0.0.1 do not resolve, so a request to any third party
 * fails even where Playwright cannot see it (nested workers' script loads).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
}

export interface RecordedRequest {
  url: string;
  method: string;
}

export interface RequestLog {
  requests: RecordedRequest[];
  /** requests to an origin not allowed; they were aborted */
  foreign: string[];
  /** GETs of edge files (`/v1/sites/<site>/files/...`) */
  fileFetches(): string[];
  reset(): void;
}

/**
 * Records every request the context's pages and workers make; anything to an origin other than `allowedOrigins`
 * is aborted and listed in `foreign`.
 */
export async function recordRequests(context: BrowserContext, allowedOrigins: readonly string[]): Promise<RequestLog> {
  const requests: RecordedRequest[] = [];
  const foreign: string[] = [];
  const isLocal = (url: string) => url.startsWith('data:') || url.startsWith('blob:');
  context.on('request', (request) => {
    if (!isLocal(request.url())) requests.push({ url: request.url(), method: request.method() });
  });
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (isLocal(url) || allowedOrigins.includes(new URL(url).origin)) return route.continue();
    foreign.push(url);
    return route.abort('blockedbyclient');
  });
  return {
    requests,
    foreign,
    fileFetches: () => requests.filter((r) => r.method === 'GET' && /\/v1\/sites\/[^/]+\/files\//.test(r.url)).map((r) => decodeURIComponent(new URL(r.url).pathname.replace(/^.*\/files\//, ''))),
    reset: () => {
      requests.length = 0;
      foreign.length = 0;
    },
  };
}

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export const DAY_MS = 86_400_000;

/** A real edge under wrangler dev whose read API accepts the given dashboard origins. */
export function startEdgeFor(appOrigins: readonly string[], options: { persistDir?: string; port?: number } = {}): Promise<LocalEdge> {
  const sites = JSON.stringify({ [DEMO.site]: { mode: 'pseudonymous', queryParams: ['ref', 'q'], dashboardOrigins: appOrigins } });
  return startLocalEdge({ vars: { SITES: sites, FLUSH_MAX_ROWS: '200000' }, ...options });
}

/** Sends demo events spread over `days` days ending yesterday (UTC) and flushes them to Parquet. */
export async function fillEdge(edgeUrl: string, options: { events: number; days: number; seed: number; endDay?: number }): Promise<{ accepted: number; from: string; to: string }> {
  const today = Date.parse(`${isoDay(Date.now())}T00:00:00Z`);
  const end = options.endDay ?? today;
  const start = new Date(end - options.days * DAY_MS);
  const summary = await sendEvents(generateDemoEvents({ seed: options.seed, events: options.events, start, days: options.days }), {
    url: edgeUrl,
    writeKey: DEMO.writeKey,
    batchSize: 500,
    concurrency: 2,
  });
  await flushEdge(edgeUrl);
  return { accepted: summary.accepted, from: isoDay(start.getTime()), to: isoDay(end - DAY_MS) };
}

export async function flushEdge(edgeUrl: string): Promise<void> {
  const res = await fetch(`${edgeUrl}/v1/sites/${DEMO.site}/flush`, { method: 'POST', headers: { authorization: `Bearer ${DEMO.adminToken}` } });
  if (!res.ok) throw new Error(`flush: ${res.status} ${await res.text()}`);
}

export async function edgeManifest(edgeUrl: string, range?: { from: string; to: string }): Promise<ManifestEntry[]> {
  const query = range ? `?from=${range.from}&to=${range.to}` : '';
  const res = await fetch(`${edgeUrl}/v1/sites/${DEMO.site}/manifest${query}`, { headers: { authorization: `Bearer ${DEMO.readToken}` } });
  if (!res.ok) throw new Error(`manifest: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { files: ManifestEntry[] }).files;
}

/** Downloads the manifest's files for `range` (the same bytes the dashboard reads) into a temp directory. */
export async function downloadEdgeFiles(edgeUrl: string, range?: { from: string; to: string }): Promise<{ files: ManifestEntry[]; paths: string[] }> {
  const files = await edgeManifest(edgeUrl, range);
  const dir = mkdtempSync(join(tmpdir(), 'pa-edge-files-'));
  const paths: string[] = [];
  for (const [i, file] of files.entries()) {
    const res = await fetch(`${edgeUrl}/v1/sites/${DEMO.site}/files/${encodeURIComponent(file.key)}`, { headers: { authorization: `Bearer ${DEMO.readToken}` } });
    if (!res.ok) throw new Error(`file ${file.key}: ${res.status}`);
    const path = join(dir, `${String(i).padStart(5, '0')}.parquet`);
    writeFileSync(path, new Uint8Array(await res.arrayBuffer()));
    paths.push(path);
  }
  return { files, paths };
}

/** Runs one query with native DuckDB over Parquet files exposed as the view `events`. */
export async function nativeQuery(paths: readonly string[], sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const list = paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ');
    await connection.run(`CREATE VIEW events AS SELECT * FROM read_parquet([${list}])`);
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Demo events normalised exactly as the edge does it (same normaliser, keyed hashing), in time order. */
export async function demoEventRows(options: { count: number; seed: number; start: Date; days: number }): Promise<EventRow[]> {
  const hasher = new HmacIdHasher('engine-test-key');
  const rows: EventRow[] = [];
  for (const message of generateDemoEvents({ seed: options.seed, events: Math.max(1000, Math.ceil(options.count * 1.1)), start: options.start, days: options.days })) {
    const parsed = segmentMessageSchema.parse(message);
    const result = await normaliseMessage(
      parsed,
      { receivedAt: Date.parse(String(message.timestamp)) + 1000, country: 'DE', region: 'BE', requestUserAgent: null },
      { site: DEMO.site, hasher, queryParams: [], scrub: true },
    );
    if (result.ok) rows.push(result.row);
    if (rows.length >= options.count) break;
  }
  return rows.sort((a, b) => a.timestamp - b.timestamp);
}

/** Parquet bytes in the edge's format (its own writer). */
export function eventsParquet(rows: readonly EventRow[]): Uint8Array {
  return encodeEventsParquet(rows, parquetWasm as unknown as ParquetWasm);
}

/** A valid Parquet file that is not in the event schema: columns a (int32) and b (utf8). */
export function foreignParquet(): Uint8Array {
  const ipc = tableToIPC(tableFromArrays({ a: Int32Array.from([1, 2, 3]), b: ['x', 'y', 'z'] }), { format: 'stream' })!;
  return parquetWasm.writeParquet(parquetWasm.Table.fromIPCStream(ipc));
}

/** An events file whose `timestamp` is text: right names, wrong type. */
export function mistypedEventsParquet(rows: readonly EventRow[]): Uint8Array {
  const columns = Object.fromEntries(
    EVENT_COLUMNS.map((c) => [c.name, c.name === 'timestamp' ? rows.map((r) => new Date(r.timestamp).toISOString()) : rows.map((r) => r[c.name])]),
  );
  const ipc = tableToIPC(tableFromArrays(columns), { format: 'stream' })!;
  return parquetWasm.writeParquet(parquetWasm.Table.fromIPCStream(ipc));
}

/** Writes buffers to a temp directory; returns their paths in order. */
export function writeTempFiles(files: readonly { name: string; bytes: Uint8Array }[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'pa-engine-files-'));
  return files.map((f) => {
    const path = join(dir, f.name);
    writeFileSync(path, f.bytes);
    return path;
  });
}
