/**
 * Demo events with their ground truth for tests and benchmarks (Node only): the demo generator's
 * messages, normalised by the edge's code without pseudonymisation (ids stay the generator's, so they
 * match the truth), written once as Parquet by the edge's writer into a cache under the OS temp dir,
 * keyed by the options and a hash of the generator and normaliser sources, and loaded the way the
 * CLI loads files. The first run pays the generation (about 20 s for 200k events); later ones load.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { messagesToRows } from '@privacy-analytics/core/ingest';
import { identityHasher } from '@privacy-analytics/core/privacy';
import type { EventRow } from '@privacy-analytics/core/schema';
import { buildPersonMap } from '@privacy-analytics/core/analytics';
import { generateDemoEvents, type PersonTruth } from '@privacy-analytics/core/demo-data';
import { encodeRows, openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { countryOf } from '../analyze/inputs';

export interface DemoDataOptions {
  events: number;
  days: number;
  seed?: number;
  /** Period start, YYYY-MM-DD (default 2026-10-24, the generator's). */
  start?: string;
}

export interface DemoData {
  parquetFiles: string[];
  truth: PersonTruth[];
}

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCES = ['core/src/demo-data', 'core/src/ingest', 'core/src/privacy', 'core/src/parquet/parquet-writer.ts'];
const ROWS_PER_FILE = 100_000;

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const source of SOURCES) {
    const path = join(REPO, source);
    const files = source.endsWith('.ts') ? [path] : (await readdir(path, { recursive: true })).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort().map((f) => join(path, f));
    for (const file of files) hash.update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Generates (or reuses) the Parquet files and truth of these options. */
export async function demoData(options: DemoDataOptions): Promise<DemoData> {
  const seed = options.seed ?? 42;
  const start = options.start ?? '2026-10-24';
  const key = `demo-${options.events}-${options.days}-${seed}-${start}-${await sourceHash()}`;
  const dir = join(tmpdir(), 'pa-models-demo', key);
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { files: string[] };
    const truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8')) as PersonTruth[];
    return { parquetFiles: manifest.files.map((f) => join(dir, f)), truth };
  } catch {
    // not cached yet
  }
  const staging = `${dir}.partial-${process.pid}-${Date.now()}`;
  await mkdir(staging, { recursive: true });
  const truth: PersonTruth[] = [];
  const files: string[] = [];
  let rows: EventRow[] = [];
  const flush = async () => {
    const name = `part-${String(files.length).padStart(4, '0')}.parquet`;
    await writeFile(join(staging, name), encodeRows(rows));
    files.push(name);
    rows = [];
  };
  const messages = generateDemoEvents({ seed, events: options.events, days: options.days, start: new Date(`${start}T00:00:00Z`), onPerson: (p) => truth.push(structuredClone(p)) });
  const outcomes = messagesToRows(
    messages,
    (raw) => ({ receivedAt: Date.parse(String(raw.timestamp)), ...countryOf(raw), requestUserAgent: null }),
    { site: 'demo', hasher: identityHasher, queryParams: [], scrub: false },
  );
  for await (const outcome of outcomes) {
    if (outcome.kind === 'row') rows.push(outcome.row);
    if (rows.length >= ROWS_PER_FILE) await flush();
  }
  if (rows.length) await flush();
  await writeFile(join(staging, 'truth.json'), JSON.stringify(truth));
  await writeFile(join(staging, 'manifest.json'), JSON.stringify({ files }));
  try {
    await rename(staging, dir);
  } catch {
    // Another process finished first: use its copy.
    await rm(staging, { recursive: true, force: true });
  }
  return demoData(options);
}

/** A DuckDB-Wasm store holding the demo events, with the person map built. */
export async function openDemoStore(options: DemoDataOptions): Promise<{ store: EventStore; truth: PersonTruth[] }> {
  const data = await demoData(options);
  const store = await openWasmStore();
  await store.resetEvents();
  await store.loadParquetFiles(data.parquetFiles);
  await buildPersonMap(store);
  return { store, truth: data.truth };
}
