/**
 * Demo data laid out as the edge keeps it in R2, and a stand-in of the edge's read API serving it:
 *  - past days compacted into one file per day, `events/site=<s>/date=<d>/c<run>.parquet`, manifest `hour: null`
 *    (as compaction-job.ts writes them: sorted by time and person, parquet-wasm ZSTD, 64 Ki-row row groups);
 *  - the last day ("today") in hourly flush files, `events/site=<s>/date=<d>/hour=<HH>/f<run>.parquet`.
 * Up to 1M events are generated one by one (demo generator, normalised and pseudonymised by the edge's code); a
 * larger multiple of 1M is the 1M set in disjoint copies, every id suffixed with its copy (as replicate-events.ts
 * does for the analytics bench), so persons and sessions never merge across copies and each day holds N× the rows.
 * Datasets are cached on disk (node_modules/.cache/pa-bench-instant/, or BENCH_INSTANT_CACHE) keyed by the options
 * and a hash of the generator / normaliser / writer sources; objects sit under `<dir>/objects/<key>`, exactly the R2
 * keys, so anything else placed there later (rollups/...) is served by the same stand-in.
 *
 *   const data = await edgeLayoutDataset({ events: 1_000_000, log });
 *   const edge = await serveEdgeLayout(data, appOrigin);   // GET {edge.url}/v1/sites/demo/manifest?from&to, /files/<key>
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join, normalize, sep } from 'node:path';
import * as parquetWasm from 'parquet-wasm/node';
import { messagesToRows } from '@privacy-analytics/core/ingest';
import { HmacIdHasher } from '@privacy-analytics/core/privacy';
import { EVENT_COLUMNS, SCHEMA_VERSION, type EventRow } from '@privacy-analytics/core/schema';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { dayFileKey, encodeEventsParquet, eventFileKey, partitionOf, type ParquetWasm } from '@privacy-analytics/core/parquet';
import { encodeRollupParquet, rollupKeyOf, rollupRows } from '@privacy-analytics/core/rollups';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
import { freePort, REPO_ROOT } from '../harness';

export const LAYOUT_SITE = 'demo';
export const LAYOUT_TOKEN = 'bench-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';

/** Bump when the layout written here changes (the cache key includes it, not this file's text). */
/** 2: each event file has its rollup (rollups/<same key>, listed as the manifest entry's `rollup`), as the edge writes it */
const LAYOUT_VERSION = 2;
const GENERATED_MAX = 1_000_000;
const SOURCES = ['core/src/demo-data', 'core/src/ingest', 'core/src/privacy', 'core/src/parquet'];
const ID_COLUMNS = ['event_id', 'anonymous_id', 'user_id', 'previous_id', 'group_id', 'session_id', 'order_id'] as const;

export interface LayoutDataset {
  dir: string;
  /** root of the object keys: `<objects>/<key>` is the file of manifest entry `key` */
  objects: string;
  /** manifest entries, ordered by date and hour; may carry fields this code does not know (e.g. `rollup`) */
  files: ManifestEntry[];
  from: string;
  /** the last day, laid out in hourly files as the edge has it before compaction */
  to: string;
  rows: number;
  bytes: number;
  dailyFiles: number;
  hourlyFiles: number;
}

export interface LayoutOptions {
  events: number;
  days?: number;
  seed?: number;
  log?: (line: string) => void;
}

function cacheRoot(): string {
  return process.env.BENCH_INSTANT_CACHE ?? join(REPO_ROOT, 'node_modules', '.cache', 'pa-bench-instant');
}

function sourceHash(): string {
  const hash = createHash('sha256').update(String(LAYOUT_VERSION));
  for (const source of SOURCES) {
    const path = join(REPO_ROOT, source);
    const files = statSync(path).isFile()
      ? [path]
      : (readdirSync(path, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort().map((f) => join(path, f));
    for (const file of files) hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 12);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const person = (row: EventRow) => row.user_id ?? row.anonymous_id ?? '';
/** compaction-job.ts's order */
const sortByTimeAndPerson = (rows: EventRow[]) => rows.sort((a, b) => a.timestamp - b.timestamp || compare(person(a), person(b)) || compare(a.event_id, b.event_id));

/** Where the dataset of these options is cached. */
export function layoutDir(events: number, days = 30, seed = 42): string {
  return join(cacheRoot(), `layout-${events}-${days}d-seed${seed}-${sourceHash()}`);
}

/** The demo events of these options in the edge's layout, generated once and then read from the cache. */
export async function edgeLayoutDataset(options: LayoutOptions): Promise<LayoutDataset> {
  const days = options.days ?? 30;
  const seed = options.seed ?? 42;
  const log = options.log ?? (() => undefined);
  const dir = layoutDir(options.events, days, seed);
  const manifestPath = join(dir, 'dataset.json');
  if (existsSync(manifestPath)) return { ...(JSON.parse(readFileSync(manifestPath, 'utf8')) as LayoutDataset), dir, objects: join(dir, 'objects') };

  const copies = options.events > GENERATED_MAX && options.events % GENERATED_MAX === 0 ? options.events / GENERATED_MAX : 1;
  const generated = options.events / copies;
  const started = performance.now();
  log(`generating ${generated.toLocaleString('en-US')} demo events${copies > 1 ? ` in ${copies} disjoint copies` : ''} in the edge's layout (kept in ${dir})`);
  const end = Date.UTC(2026, 9, 1);
  const start = new Date(end - days * 86_400_000);
  const hasher = new HmacIdHasher('bench-key');
  const byDate = new Map<string, EventRow[]>();
  const outcomes = messagesToRows(
    generateDemoEvents({ seed, events: generated, start, days }),
    (raw) => ({ receivedAt: Date.parse(String(raw.timestamp)) + 1000, country: null, region: null, requestUserAgent: null }),
    { site: LAYOUT_SITE, hasher, queryParams: ['ref', 'q'], scrub: true },
  );
  for await (const outcome of outcomes) {
    if (outcome.kind !== 'row') continue;
    const { date } = partitionOf(outcome.row.timestamp);
    const list = byDate.get(date) ?? [];
    list.push(outcome.row);
    byDate.set(date, list);
  }
  log(`generated in ${((performance.now() - started) / 1000).toFixed(0)} s; writing Parquet`);

  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const objects = join(staging, 'objects');
  const dates = [...byDate.keys()].sort();
  const today = dates.at(-1)!;
  const createdAt = new Date(end).toISOString();
  const files: ManifestEntry[] = [];
  const write = (key: string, date: string, hour: number | null, rows: EventRow[]) => {
    sortByTimeAndPerson(rows);
    const bytes = encodeEventsParquet(rows, parquetWasm as unknown as ParquetWasm);
    const path = join(objects, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    const rollupKey = rollupKeyOf(key);
    const rollupBytes = encodeRollupParquet(rollupRows(rows), parquetWasm as unknown as ParquetWasm);
    mkdirSync(dirname(join(objects, rollupKey)), { recursive: true });
    writeFileSync(join(objects, rollupKey), rollupBytes);
    files.push({
      rollup: { key: rollupKey, bytes: rollupBytes.byteLength, etag: `"${createHash('md5').update(rollupBytes).digest('hex')}"` },
      key,
      date,
      hour,
      bytes: bytes.byteLength,
      rows: rows.length,
      minTime: new Date(rows[0]!.timestamp).toISOString(),
      maxTime: new Date(rows.at(-1)!.timestamp).toISOString(),
      etag: `"${createHash('md5').update(bytes).digest('hex')}"`,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      createdAt,
    });
  };
  for (const date of dates) {
    const base = byDate.get(date)!;
    byDate.delete(date);
    const rows = copies === 1 ? base : Array.from({ length: copies }, (_, copy) => base.map((row) => suffixed(row, copy))).flat();
    if (date === today) {
      const byHour = new Map<number, EventRow[]>();
      for (const row of rows) {
        const hour = partitionOf(row.timestamp).hour;
        const list = byHour.get(hour) ?? [];
        list.push(row);
        byHour.set(hour, list);
      }
      for (const hour of [...byHour.keys()].sort((a, b) => a - b)) write(eventFileKey(LAYOUT_SITE, { date, hour }, `f20261001${String(hour).padStart(2, '0')}5500-0000`), date, hour, byHour.get(hour)!);
    } else {
      write(dayFileKey(LAYOUT_SITE, date, `c${date.replaceAll('-', '')}235900-00000000`), date, null, rows);
    }
  }
  const dataset: LayoutDataset = {
    dir,
    objects: join(dir, 'objects'),
    files,
    from: dates[0]!,
    to: today,
    rows: files.reduce((n, f) => n + f.rows, 0),
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    dailyFiles: files.filter((f) => f.hour === null).length,
    hourlyFiles: files.filter((f) => f.hour !== null).length,
  };
  writeFileSync(join(staging, 'dataset.json'), JSON.stringify(dataset));
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  log(`${dataset.rows.toLocaleString('en-US')} rows: ${dataset.dailyFiles} daily + ${dataset.hourlyFiles} hourly files, ${(dataset.bytes / 2 ** 20).toFixed(1)} MiB, in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return dataset;
}

function suffixed(row: EventRow, copy: number): EventRow {
  const out = { ...row };
  for (const column of ID_COLUMNS) {
    const value = out[column];
    if (value !== null) (out as Record<string, unknown>)[column] = `${value}~${copy}`;
  }
  return out;
}

/** Path of the object `key` under `objects`, or null when the key would leave it. */
export function objectPath(objects: string, key: string): string | null {
  if (!key || key.includes('\0') || key.startsWith('/')) return null;
  const path = normalize(join(objects, key));
  return path.startsWith(objects.endsWith(sep) ? objects : objects + sep) ? path : null;
}

export interface EdgeStandIn {
  url: string;
  server: Server;
  /** GETs of files answered with a body (200 / 206), since the last reset */
  fileGets: number;
  reset(): void;
  close(): Promise<void>;
}

/**
 * The edge's read API over a layout dataset, on loopback, answering as worker-edge/src/read does: the manifest
 * (date-pruned, `no-store`, every field of each entry passed through, so a `rollup` or other new field reaches the
 * page) and files with ETag / If-None-Match, Range, HEAD and the edge's cache header (private, 5 minutes, then revalidated). Any object that
 * exists under `objects/` is served (event files and whatever else a manifest may list, e.g. rollups/...).
 * `<dir>/manifest-extra.json`, when present, is merged into every manifest answer (top-level fields).
 */
export async function serveEdgeLayout(data: LayoutDataset, appOrigin: string, fixedPort?: number): Promise<EdgeStandIn> {
  const cors = {
    'access-control-allow-origin': appOrigin,
    'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
    'access-control-allow-headers': 'authorization, range, if-none-match, content-type',
    'access-control-expose-headers': 'etag, content-range, content-length, accept-ranges',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
  const extraPath = join(data.dir, 'manifest-extra.json');
  const extra = existsSync(extraPath) ? (JSON.parse(readFileSync(extraPath, 'utf8')) as Record<string, unknown>) : {};
  const etags = new Map(data.files.map((f) => [f.key, f.etag]));
  const stand: EdgeStandIn = {
    url: '',
    server: null as unknown as Server,
    fileGets: 0,
    reset: () => void (stand.fileGets = 0),
    close: () => new Promise<void>((resolve) => stand.server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    if (req.headers.authorization !== `Bearer ${LAYOUT_TOKEN}`) return res.writeHead(401, cors).end();
    if (url.pathname === `/v1/sites/${LAYOUT_SITE}/manifest`) {
      const from = url.searchParams.get('from');
      const to = url.searchParams.get('to');
      const files = data.files.filter((f) => (!from || f.date >= from) && (!to || f.date <= to));
      const body = JSON.stringify({
        site: LAYOUT_SITE,
        schemaVersion: SCHEMA_VERSION,
        columns: EVENT_COLUMNS.map(({ name, kind }) => ({ name, kind })),
        from,
        to,
        files,
        totals: { files: files.length, rows: files.reduce((n, f) => n + f.rows, 0), bytes: files.reduce((n, f) => n + f.bytes, 0) },
        generatedAt: new Date().toISOString(),
        ...extra,
      });
      return res.writeHead(200, { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
    }
    const prefix = `/v1/sites/${LAYOUT_SITE}/files/`;
    if (!url.pathname.startsWith(prefix) || (req.method !== 'GET' && req.method !== 'HEAD')) return res.writeHead(404, cors).end();
    let key: string;
    try {
      key = decodeURIComponent(url.pathname.slice(prefix.length));
    } catch {
      return res.writeHead(400, cors).end();
    }
    const path = objectPath(data.objects, key);
    if (!path || !existsSync(path) || !statSync(path).isFile()) return res.writeHead(404, cors).end();
    const bytes = readFileSync(path);
    const etag = etags.get(key) ?? `"${createHash('md5').update(bytes).digest('hex')}"`;
    // The edge's FILE_CACHE_CONTROL (worker-edge/src/read/file-route.ts).
    const headers = { ...cors, etag, 'accept-ranges': 'bytes', 'cache-control': 'private, max-age=300, must-revalidate', 'content-type': 'application/vnd.apache.parquet' };
    if (req.method === 'HEAD') return res.writeHead(200, { ...headers, 'content-length': bytes.byteLength }).end();
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return res.writeHead(304, headers).end();
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    stand.fileGets += 1;
    if (range && (range[1] || range[2])) {
      const size = bytes.byteLength;
      const startByte = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      const endByte = range[1] ? Math.min(size - 1, range[2] ? Number(range[2]) : size - 1) : size - 1;
      if (startByte >= size || endByte < startByte) return res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
      const part = bytes.subarray(startByte, endByte + 1);
      return res.writeHead(206, { ...headers, 'content-range': `bytes ${startByte}-${endByte}/${size}`, 'content-length': part.byteLength }).end(part);
    }
    return res.writeHead(200, { ...headers, 'content-length': bytes.byteLength }).end(bytes);
  });
  const port = fixedPort ?? (await freePort());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  stand.url = `http://127.0.0.1:${port}`;
  stand.server = server;
  return stand;
}

/** Absolute paths of the dataset's event files (manifest order), for native DuckDB. */
export function layoutPaths(data: LayoutDataset): string[] {
  return data.files.map((f) => join(data.objects, f.key));
}

if (process.argv[1]?.endsWith('edge-layout.ts')) {
  const events = Number(process.argv[2] ?? 1_000_000);
  edgeLayoutDataset({ events, log: (line) => console.log(`[edge-layout] ${line}`) })
    .then((d) => console.log(`${d.dir}: ${d.rows} rows, ${d.files.length} files (${d.dailyFiles} daily, ${d.hourlyFiles} hourly), ${d.from}..${d.to}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}

/** Saves the stand-in edge's connection in a browser profile (the connect view's one save, as a user does once); closes `context`. */
export async function saveLayoutConnection(context: import('playwright-core').BrowserContext, appUrl: string, edgeUrl: string): Promise<void> {
  const page = await context.newPage();
  await page.goto(`${appUrl}?view=connect`);
  await page.waitForFunction(() => '__dashboard' in globalThis, undefined, { timeout: 120_000 });
  await page.evaluate((conn) => (globalThis as unknown as { __dashboard: { connection: { save(c: unknown): Promise<void> } } }).__dashboard.connection.save(conn), { url: edgeUrl, site: LAYOUT_SITE, token: LAYOUT_TOKEN });
  await context.close();
}
