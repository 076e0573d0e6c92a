/**
 * The engine's browser tests' page: the harness page built with the project's Vite config and served by
 * `vite preview` (with or without COOP/COEP), event files to open in it, and native DuckDB over the same files for
 * reference numbers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromArrays, tableToIPC } from '@uwdata/flechette';
import * as parquetWasm from 'parquet-wasm/node';
import { build, preview } from 'vite';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
// @ts-expect-error plain .mjs script without types
import { stageWasm } from '../stage-wasm.mjs';
import { dashboardConfig } from '../../vite.config';
import { DEMO, REPO_ROOT, freePort } from './local-edge';
import { messagesToRows } from '@privacy-analytics/core/ingest';
import { HmacIdHasher } from '@privacy-analytics/core/privacy';
import { EVENT_COLUMNS, type EventRow } from '@privacy-analytics/core/schema';

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
  const outcomes = messagesToRows(
    generateDemoEvents({ seed: options.seed, events: Math.max(1000, Math.ceil(options.count * 1.1)), start: options.start, days: options.days }),
    (raw) => ({ receivedAt: Date.parse(String(raw.timestamp)) + 1000, country: 'DE', region: 'BE', requestUserAgent: null }),
    { site: DEMO.site, hasher, queryParams: [], scrub: true },
  );
  for await (const outcome of outcomes) {
    if (outcome.kind === 'row') rows.push(outcome.row);
    if (rows.length >= options.count) break;
  }
  return rows.sort((a, b) => a.timestamp - b.timestamp);
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
