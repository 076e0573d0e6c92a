/// <reference lib="webworker" />
/**
 * The data worker: DuckDB-Wasm (in its own nested worker), Parquet decoding with parquet-wasm, the edge client and
 * the IndexedDB file cache. Reached only through comlink by the DataEngine facade.
 */
import * as Comlink from 'comlink';
import { DuckDbSession, chooseBundle, localBundles } from './duckdb-session';
import { EdgeClient } from '../../edge/edge-client';
import { errorMessage, installErrorTransfer, serializeError, type SerializedError } from '../../engine/errors';
import { EventLoader } from './event-loader';
import { loadAdSpendTables } from './ad-spend-tables';
import { FileCache } from './file-cache';
import { LocalDb } from '../../engine/local-db';
import { prefetchParquetWasm, previewParquetTable } from './parquet-decoder';
import { OverviewCubeKeeper } from './overview-cube';
import { PersonMapKeeper } from './person-map-keeper';
import { RollupLoader } from './rollup-loader';
import { wasmAssetUrl } from '../../engine/wasm-assets';
import { mark, timelineMarks } from '../../engine/timeline';
import type { LoadProgress } from '../../engine/data-engine';
import type { DataWorkerApi, DataWorkerInit } from './messages';

installErrorTransfer();
mark('data worker: script running');

interface Engine {
  loader: EventLoader;
  cache: FileCache;
}

let engine: Engine | null = null;
const rollups = new RollupLoader();
const cube = new OverviewCubeKeeper(async () => {
  const { loader } = ready();
  return { session: await loader.ready(), warehouse: await loader.warehouse() };
});

const persons = new PersonMapKeeper(async () => {
  const { loader } = ready();
  return { session: await loader.ready(), warehouse: await loader.warehouse() };
});

/**
 * After a load (finished, failed or cancelled) the local overview table catches up with the warehouse, in the
 * background (a no-op when the files did not change). The identity map is built when a view asks for it
 * (person-map-keeper.ts): built here after every load, the overview's date and filter changes queued behind it.
 */
function thenCube<T>(load: Promise<T>, what: string): Promise<T> {
  mark(`${what}: start`);
  void load.finally(() => {
    mark(`${what}: end`);
    void cube.refresh().catch(() => undefined);
  }).catch(() => undefined);
  return load;
}

function ready(): Engine {
  if (!engine) throw new Error('the data worker is not initialised');
  return engine;
}

/** DuckDB once it has started with the empty `events` table (see EventLoader.ready). */
const duckdb = (): Promise<DuckDbSession> => ready().loader.ready();

const api: DataWorkerApi = {
  ping: () => 'pong',

  async init(options: DataWorkerInit, onFatal: (error: SerializedError) => void) {
    if (engine) throw new Error('the data worker is already initialised');
    const fatal = (error: Error) => void onFatal(serializeError(error));
    // A build this page cannot run (threads without cross-origin isolation) fails the start itself. DuckDB then
    // starts in the background (seconds): the page's first load reads the cache and the manifest, downloads and
    // decodes meanwhile, and every DuckDB call waits for it. If it cannot start, the worker reports a fatal error and
    // the page offers a restart. parquet-wasm is downloaded now and instantiated on the first decode (a failure there
    // fails the files, each saying why).
    const build = await chooseBundle(localBundles(options.wasmBase), options.cores, options.bundle, options.warehouse === 'opfs');
    // the local warehouse: one DuckDB file per IndexedDB database name (tests use their own names)
    const databasePath = options.warehouse === 'opfs' ? `opfs://${options.databaseName.replace(/[^A-Za-z0-9_-]/g, '_')}.duckdb` : undefined;
    const opening = DuckDbSession.open({ build, cores: options.cores, unresponsiveAfterMs: options.unresponsiveAfterMs, onFatal: fatal, databasePath });
    prefetchParquetWasm(wasmAssetUrl(options.wasmBase, 'parquet_wasm_bg.wasm'));
    const db = new LocalDb(options.databaseName);
    db.open().catch(() => undefined); // now, not on the first load's first cache read (a failure shows there)
    const cache = new FileCache(db, options.cacheQuotaBytes);
    const loader = new EventLoader(opening, cache, databasePath !== undefined && build.name !== 'coi');
    loader.ready().catch((error: unknown) => fatal(new Error(`DuckDB could not start: ${errorMessage(error)}`, { cause: error })));
    engine = { loader, cache };
  },

  info: async () => (await duckdb()).info,
  query: async (id, sql, params) => (await duckdb()).query(id, sql, params),
  cancelQueries: async (upToId) => (await duckdb()).cancelUpTo(upToId),
  loadRange: (token, conn, range, columns, onProgress) => thenCube(withProgress(onProgress, (report) => ready().loader.loadRange(conn, range, columns, report, token)), 'load from the edge'),
  loadCached: (token, conn, range, columns, onProgress) => thenCube(withProgress(onProgress, (report) => ready().loader.loadCached(conn, range, columns, report, token)), 'load from the warehouse'),
  loadFiles: (token, files, onProgress) => thenCube(withProgress(onProgress, (report) => ready().loader.loadFiles(files, report, token)), 'load of local files'),
  cancelLoad: (token) => ready().loader.cancel(token),
  loadAdSpend: async (conn, range) => loadAdSpendTables(await duckdb(), conn, range),
  previewParquet: (bytes, rows, label) => previewParquetTable(bytes, rows, label),
  liveCounts: (conn, minutes) => new EdgeClient(conn).live(minutes),
  rollupOverview: (conn, spec, confirm) => rollups.overview(conn, spec, confirm),
  cubeOverview: (spec) => cube.overview(spec),
  cubeKpis: (spec) => cube.kpis(spec),
  tableInfo: () => ready().loader.tableInfo(),
  timeline: () => timelineMarks(),
  ensurePersonMap: () => persons.ensure(),
  personMapState: () => persons.state(),
  notePersonMap: (fingerprint) => persons.note(fingerprint),
  identityCoverage: () => persons.coverage(),

  async clearData() {
    const { loader, cache } = ready();
    await loader.afterLoads(async () => {
      await cache.clear();
      await loader.createEmptyTable();
    });
  },

  cacheStats: () => ready().cache.stats(),

  async simulateCrash(kind) {
    if (kind === 'duckdb') (await duckdb()).killWorkerSilently();
    else
      setTimeout(() => {
        throw new Error('simulated crash of the data worker');
      });
  },
};

/** Calls a comlink-proxied progress callback without waiting for it, and releases it when the load is over. */
async function withProgress<T>(remote: (p: LoadProgress) => void, run: (report: (p: LoadProgress) => void) => Promise<T>): Promise<T> {
  const report = (p: LoadProgress) => void Promise.resolve(remote(p)).catch(() => undefined);
  try {
    return await run(report);
  } finally {
    (remote as unknown as Comlink.Remote<unknown>)[Comlink.releaseProxy]?.();
  }
}

Comlink.expose(api);
