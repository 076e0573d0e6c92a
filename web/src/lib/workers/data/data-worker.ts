/// <reference lib="webworker" />
/**
 * The data worker: DuckDB-Wasm (in its own nested worker), Parquet decoding with parquet-wasm, the edge client and
 * the IndexedDB file cache. Reached only through comlink by the DataEngine facade.
 */
import * as Comlink from 'comlink';
import { DuckDbSession, chooseBundle, localBundles, prepareWarehouseFile } from './duckdb-session';
import { EdgeClient } from '../../edge/edge-client';
import { errorMessage, installErrorTransfer, serializeError, type SerializedError } from '../../engine/errors';
import { EventLoader } from './event-loader';
import { DecodePool, decodeWorkerCount } from './decode-pool';
import { loadAdSpendTables } from './ad-spend-tables';
import { FileCache } from './file-cache';
import { LocalDb } from '../../engine/local-db';
import { parquetWasmBytes, prefetchParquetWasm, previewParquetTable } from './parquet-decoder';
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
 * background (a no-op when the files did not change), and then, once the page has asked nothing for a while, the
 * identity map (person-map-keeper.ts), so that the next funnel, retention or paths of these files (on this visit or
 * a later one: it is kept in the warehouse) does not build it first. Built right after every load, it held up the
 * overview's date and filter changes (2.4 s instead of 0.4 s); waiting for a quiet page leaves those alone, and a view
 * that asks meanwhile waits for the build under way instead of starting its own.
 */
function thenCube<T>(load: Promise<T>, what: string): Promise<T> {
  mark(`${what}: start`);
  loadsRunning++;
  void load.finally(() => {
    loadsRunning--;
    mark(`${what}: end`);
    void cube.refresh().catch(() => undefined).then(() => personMapWhenQuiet());
  }).catch(() => undefined);
  return load;
}

/** Notes the page's question (start and end) for personMapWhenQuiet. */
function asked<T>(answer: Promise<T>): Promise<T> {
  lastAsked = performance.now();
  questionsRunning++;
  return answer.finally(() => {
    questionsRunning--;
    lastAsked = performance.now();
  });
}

/** how long the page must have asked nothing before the identity map is built in the background */
const QUIET_MS = 1500;
let loadsRunning = 0;
let lastAsked = 0;
/** the page's questions under way (a funnel's one statement can run for seconds: the page is not quiet then) */
let questionsRunning = 0;
let quietTimer: ReturnType<typeof setTimeout> | null = null;

function personMapWhenQuiet(): void {
  if (quietTimer) clearTimeout(quietTimer);
  quietTimer = setTimeout(() => {
    quietTimer = null;
    if (loadsRunning > 0) return; // the load's end schedules it again
    if (questionsRunning > 0 || performance.now() - lastAsked < QUIET_MS) return personMapWhenQuiet();
    void persons
      .ensure()
      .then((answer) => mark(answer === 'built' ? 'person map: built while the page is quiet' : `person map: quiet check (${answer})`))
      .catch(() => undefined);
  }, QUIET_MS);
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
    // (`<name>.2.duckdb` since the file is written in DuckDB's v1.3 storage format; the earlier `<name>.duckdb` goes)
    const fileName = options.databaseName.replace(/[^A-Za-z0-9_-]/g, '_');
    const databasePath = options.warehouse === 'opfs' ? `opfs://${fileName}.2.duckdb` : undefined;
    const retiredDatabasePaths = databasePath ? [`opfs://${fileName}.duckdb`] : [];
    const inOpfs = databasePath !== undefined && build.name !== 'coi';
    // the warehouse file is made ready while DuckDB's wasm is instantiated; a new (empty) one lets a first load start
    // its manifest request and downloads at once instead of after DuckDB has opened the file (issue 18)
    const warehouseFile = inOpfs ? prepareWarehouseFile(databasePath) : undefined;
    const opening = DuckDbSession.open({ build, cores: options.cores, unresponsiveAfterMs: options.unresponsiveAfterMs, onFatal: fatal, databasePath, retiredDatabasePaths, warehouseFile });
    // DuckDB in memory (by choice, or because the file cannot be opened) starts empty too
    const startsEmpty = warehouseFile ? warehouseFile.then((prepared) => !('root' in prepared) || prepared.empty) : Promise.resolve(true);
    prefetchParquetWasm(wasmAssetUrl(options.wasmBase, 'parquet_wasm_bg.wasm'));
    const db = new LocalDb(options.databaseName);
    db.open().catch(() => undefined); // now, not on the first load's first cache read (a failure shows there)
    const cache = new FileCache(db, options.cacheQuotaBytes);
    // files are decoded in workers of their own, so this thread is free to pass DuckDB its inserts (decode-pool.ts)
    const decoders = new DecodePool(decodeWorkerCount(options.cores), parquetWasmBytes());
    const loader = new EventLoader(opening, cache, inOpfs, startsEmpty, decoders.decode);
    loader.ready().catch((error: unknown) => fatal(new Error(`DuckDB could not start: ${errorMessage(error)}`, { cause: error })));
    engine = { loader, cache };
  },

  info: async () => (await duckdb()).info,
  query: (id, sql, params) => asked(duckdb().then((session) => session.query(id, sql, params))),
  cancelQueries: async (upToId) => (await duckdb()).cancelUpTo(upToId),
  loadRange: (token, conn, range, columns, onProgress) => thenCube(withProgress(onProgress, (report) => ready().loader.loadRange(conn, range, columns, report, token)), 'load from the edge'),
  loadCached: (token, conn, range, columns, onProgress) => thenCube(withProgress(onProgress, (report) => ready().loader.loadCached(conn, range, columns, report, token)), 'load from the warehouse'),
  loadFiles: (token, files, onProgress) => thenCube(withProgress(onProgress, (report) => ready().loader.loadFiles(files, report, token)), 'load of local files'),
  cancelLoad: (token) => ready().loader.cancel(token),
  loadAdSpend: async (conn, range) => loadAdSpendTables(await duckdb(), conn, range),
  previewParquet: (bytes, rows, label) => previewParquetTable(bytes, rows, label),
  liveCounts: (conn, minutes) => new EdgeClient(conn).live(minutes),
  rollupOverview: (conn, spec, confirm) => rollups.overview(conn, spec, confirm),
  cubeOverview: (spec) => asked(cube.overview(spec)),
  cubeKpis: (spec) => asked(cube.kpis(spec)),
  prepareOverviewTable: () => cube.warmUp(),
  tableInfo: () => ready().loader.tableInfo(),
  timeline: () => timelineMarks(),
  ensurePersonMap: () => asked(persons.ensure()),
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
