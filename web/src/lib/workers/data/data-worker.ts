/// <reference lib="webworker" />
/**
 * The data worker: DuckDB-Wasm (in its own nested worker), Parquet decoding with parquet-wasm, the edge client and
 * the IndexedDB file cache. Reached only through comlink by the DataEngine facade.
 */
import * as Comlink from 'comlink';
import { DuckDbSession } from '../../engine/duckdb-session';
import { EdgeClient } from '../../engine/edge-client';
import { installErrorTransfer, serializeError, type SerializedError } from '../../engine/errors';
import { EventLoader } from '../../engine/event-loader';
import { FileCache } from '../../engine/file-cache';
import { LocalDb } from '../../engine/local-db';
import { initParquet } from '../../engine/parquet-decoder';
import { wasmAssetUrl } from '../../engine/wasm-assets';
import type { LoadProgress } from '../../engine/data-engine';
import type { DataWorkerApi, DataWorkerInit } from './messages';

installErrorTransfer();

interface Engine {
  session: DuckDbSession;
  loader: EventLoader;
  cache: FileCache;
}

let engine: Engine | null = null;

function ready(): Engine {
  if (!engine) throw new Error('the data worker is not initialised');
  return engine;
}

const api: DataWorkerApi = {
  ping: () => 'pong',

  async init(options: DataWorkerInit, onFatal: (error: SerializedError) => void) {
    if (engine) throw new Error('the data worker is already initialised');
    const fatal = (error: Error) => void onFatal(serializeError(error));
    const [session] = await Promise.all([
      DuckDbSession.open({ wasmBase: options.wasmBase, unresponsiveAfterMs: options.unresponsiveAfterMs, onFatal: fatal, ...(options.bundle ? { bundle: options.bundle } : {}) }),
      initParquet(wasmAssetUrl(options.wasmBase, 'parquet_wasm_bg.wasm')),
    ]);
    const cache = new FileCache(new LocalDb(options.databaseName), options.cacheQuotaBytes);
    const loader = new EventLoader(session, cache);
    await loader.createEmptyTable();
    engine = { session, loader, cache };
    return session.info;
  },

  query: (id, sql, params) => ready().session.query(id, sql, params),
  cancelQueries: (upToId) => ready().session.cancelUpTo(upToId),
  loadRange: (token, conn, range, columns, onProgress) => withProgress(onProgress, (report) => ready().loader.loadRange(conn, range, columns, report, token)),
  loadCached: (token, conn, range, columns, onProgress) => withProgress(onProgress, (report) => ready().loader.loadCached(conn, range, columns, report, token)),
  loadFiles: (token, files, onProgress) => withProgress(onProgress, (report) => ready().loader.loadFiles(files, report, token)),
  cancelLoad: (token) => ready().loader.cancel(token),
  liveCounts: (conn, minutes) => new EdgeClient(conn).live(minutes),
  tableInfo: () => ready().loader.tableInfo(),

  async clearData() {
    const { loader, cache } = ready();
    await loader.afterLoads(async () => {
      await cache.clear();
      await loader.createEmptyTable();
    });
  },

  cacheStats: () => ready().cache.stats(),

  simulateCrash(kind) {
    if (kind === 'duckdb') ready().session.killWorkerSilently();
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
