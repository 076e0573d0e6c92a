import * as Comlink from 'comlink';
import type { DataWorkerApi } from '../workers/data/messages';
import type {
  CacheStats,
  CubeOverview,
  DataEngine,
  DataEngineOptions,
  DateRange,
  EdgeConnection,
  EngineInfo,
  EngineStatus,
  LoadOptions,
  LoadProgress,
  LoadResult,
  RangeLoadOptions,
  RollupOverview,
  SavedOverview,
  SimulatedCrash,
  TableInfo,
} from './data-engine';
import { validEdgeUrl } from '../edge/edge-url';
import { EngineCrashedError, QueryCancelledError, QueryError, deserializeError, type SerializedError } from './errors';
import { cacheScope, DEFAULT_DATABASE_NAME, LocalDb } from './local-db';
import type { Row, SqlValue } from '@privacy-analytics/core/engine';
import type { EventCatalog, IdentityCoverage, OverviewKpis, OverviewSpec } from '@privacy-analytics/core/analytics';
import { SupervisedWorker } from './supervised-worker';
import { mark, timelineMarks, type TimelineMark } from './timeline';
import { defaultWasmBase } from './wasm-assets';

const CONNECTION_SETTING = 'connection';
/** the event catalogs of the last loaded tables (savedCatalog), the most recent first: a range and the one before */
const CATALOG_SETTING = 'catalogs';
const SAVED_CATALOGS = 8;
/** saved overviews kept per database (the least recently saved leave first) */
const SAVED_OVERVIEWS = 40;

/** The spec as a key: everything that changes the figures. */
function overviewKey(spec: OverviewSpec): string {
  const filters = spec.filters.map((f) => `${f.column}\u0001${f.op}\u0001${f.values.join('\u0002')}`).join('\u0003');
  return [spec.from, spec.to, spec.granularity, spec.purchaseEvent ?? '', spec.topN ?? '', filters].join('|');
}
const SITE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const MAX_TOKEN_LENGTH = 4096;

type LastLoad =
  | { kind: 'range'; conn: EdgeConnection; range: DateRange; columns: string[] | undefined }
  | { kind: 'files'; files: File[] };

/**
 * The DataEngine facade: everything runs in the data worker (web/src/lib/workers/data/data-worker.ts), reached
 * through comlink and watched by a SupervisedWorker. Only the saved connection is read here, in IndexedDB, so it
 * stays available while the worker is down.
 */
export class WorkerDataEngine implements DataEngine {
  readonly #worker: SupervisedWorker<DataWorkerApi>;
  readonly #db: LocalDb;
  #querySeq = 0;
  #loadSeq = 0;
  #lastLoad: LastLoad | null = null;
  /** the saved connection as last read or written here (one IndexedDB read less per edge call) */
  #connection: EdgeConnection | null = null;

  constructor(options: DataEngineOptions = {}) {
    const databaseName = options.databaseName ?? DEFAULT_DATABASE_NAME;
    this.#db = new LocalDb(databaseName);
    // opened now, while the page loads the app, so reading the saved connection at start waits for no upgrade check
    this.#db.open().catch(() => undefined);
    mark('page: engine created (data worker starting)');
    const unresponsiveAfterMs = options.unresponsiveAfterMs ?? 60_000;
    const init = {
      wasmBase: options.wasmBase ?? defaultWasmBase(),
      cores: navigator.hardwareConcurrency || 1,
      unresponsiveAfterMs,
      databaseName,
      warehouse: options.warehouse ?? 'opfs',
      ...(options.bundle ? { bundle: options.bundle } : {}),
      ...(options.cacheQuotaBytes !== undefined ? { cacheQuotaBytes: options.cacheQuotaBytes } : {}),
    };
    this.#worker = new SupervisedWorker<DataWorkerApi>({
      label: 'data worker',
      spawn: () => new Worker(new URL('../workers/data/data-worker.ts', import.meta.url), { type: 'module', name: 'data' }),
      init: async (api, reportFatal) => {
        await api.init(
          init,
          Comlink.proxy((error: SerializedError) => reportFatal(deserializeError(error))),
        );
      },
      unresponsiveAfterMs,
    });
    this.#worker.start().catch(() => undefined);
  }

  get status(): EngineStatus {
    return this.#worker.status;
  }

  onStatus(listener: (status: EngineStatus, error?: Error) => void): () => void {
    return this.#worker.onStatus(listener);
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const id = ++this.#querySeq;
    try {
      return (await this.#worker.call('query', (api) => api.query(id, sql, [...params]))) as T[];
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      if (cause instanceof EngineCrashedError) throw new EngineCrashedError(`${cause.message}\n-- while running:\n${sql.slice(0, 2000)}`, { cause });
      if (cause.name === 'QueryCancelledError') throw new QueryCancelledError(`${cause.message}\n-- while running:\n${sql.slice(0, 2000)}`, { cause });
      throw QueryError.whileRunning(sql, cause);
    }
  }

  async cancelQuery(): Promise<void> {
    const upTo = this.#querySeq;
    if (this.status !== 'ready') return;
    await this.#worker.call('cancelQuery', (api) => api.cancelQueries(upTo));
  }

  async saveConnection(conn: EdgeConnection): Promise<void> {
    const url = validEdgeUrl(conn.url.trim());
    const site = conn.site.trim();
    const token = conn.token.trim();
    if (!SITE_ID.test(site)) throw new Error(`site "${site.slice(0, 80)}" is not a site id (lower-case letters, digits, - and _)`);
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || /\s/.test(token)) throw new Error('the read token must be 1 to 4096 characters without spaces');
    this.#connection = null;
    await this.#db.settings.put({ name: CONNECTION_SETTING, value: { url, site, token } satisfies EdgeConnection });
    this.#connection = { url, site, token };
  }

  async loadConnection(): Promise<EdgeConnection | null> {
    const saved = await this.#db.settings.get(CONNECTION_SETTING);
    const value = saved?.value as Partial<EdgeConnection> | undefined;
    if (!value || typeof value.url !== 'string' || typeof value.site !== 'string' || typeof value.token !== 'string') return (this.#connection = null);
    return (this.#connection = { url: value.url, site: value.site, token: value.token });
  }

  async loadRange(range: DateRange, opts: RangeLoadOptions = {}): Promise<LoadResult> {
    const conn = await this.#requireConnection();
    const columns = opts.columns ? [...opts.columns] : undefined;
    const result = await this.#load('loadRange', opts, (api, token, onProgress) => api.loadRange(token, conn, { ...range }, columns, onProgress));
    if (!result.cancelled) this.#lastLoad = { kind: 'range', conn, range: { ...range }, columns };
    return result;
  }

  async loadCachedOnly(range: DateRange, opts: RangeLoadOptions = {}): Promise<LoadResult> {
    const conn = await this.#requireConnection();
    const columns = opts.columns ? [...opts.columns] : undefined;
    const result = await this.#load('loadCachedOnly', opts, (api, token, onProgress) =>
      api.loadCached(token, { url: conn.url, site: conn.site }, { ...range }, columns, onProgress),
    );
    if (!result.cancelled) this.#lastLoad = { kind: 'range', conn, range: { ...range }, columns };
    return result;
  }

  async loadFiles(files: File[], opts: LoadOptions = {}): Promise<LoadResult> {
    const list = [...files];
    const result = await this.#load('loadFiles', opts, (api, token, onProgress) => api.loadFiles(token, list, onProgress));
    if (!result.cancelled && result.filesDone > result.failures.length) this.#lastLoad = { kind: 'files', files: list };
    return result;
  }

  async loadAdSpend(range: DateRange): Promise<{ files: number; rows: number }> {
    const conn = await this.#requireConnection();
    return this.#worker.call('loadAdSpend', (api) => api.loadAdSpend(conn, { ...range }));
  }

  async previewParquet(bytes: Uint8Array, rows: number, label: string): Promise<{ columns: string[]; rows: string[][] }> {
    return this.#worker.call('previewParquet', (api) => api.previewParquet(Comlink.transfer(bytes, [bytes.buffer]), rows, label));
  }

  async liveCounts(minutes: number): Promise<{ minute: string; accepted: number }[]> {
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 2880) throw new Error(`minutes: expected an integer from 1 to 2880, got ${minutes}`);
    const conn = await this.#requireConnection();
    return this.#worker.call('liveCounts', (api) => api.liveCounts(conn, minutes));
  }

  async rollupOverview(spec: OverviewSpec, confirm?: string): Promise<RollupOverview> {
    const conn = await this.#requireConnection();
    return this.#worker.call('rollupOverview', (api) => api.rollupOverview(conn, { ...spec, filters: spec.filters.map((f) => ({ ...f, values: [...f.values] })) }, confirm));
  }

  async savedOverview(spec: OverviewSpec): Promise<SavedOverview | null> {
    const conn = this.#connection ?? (await this.loadConnection());
    if (!conn) return null;
    const row = await this.#db.overviews.get(`${cacheScope(conn.url, conn.site)} ${overviewKey(spec)}`);
    const value = row?.value as Partial<SavedOverview> | undefined;
    if (!value || typeof value.fingerprint !== 'string' || !value.result || typeof value.savedAt !== 'number') return null;
    return { result: value.result, fingerprint: value.fingerprint, sessionsFromEvents: value.sessionsFromEvents === true, savedAt: value.savedAt };
  }

  async savedCatalog(key: string): Promise<EventCatalog | null> {
    const catalog = (await this.#savedCatalogs()).find((entry) => entry.key === key)?.catalog;
    return catalog && Array.isArray(catalog.events) && Array.isArray(catalog.properties) ? catalog : null;
  }

  async saveCatalog(key: string, catalog: EventCatalog): Promise<void> {
    const kept = (await this.#savedCatalogs()).filter((entry) => entry.key !== key);
    await this.#db.settings.put({ name: CATALOG_SETTING, value: [{ key, catalog }, ...kept].slice(0, SAVED_CATALOGS) });
  }

  async #savedCatalogs(): Promise<{ key: string; catalog: EventCatalog }[]> {
    const value = (await this.#db.settings.get(CATALOG_SETTING).catch(() => undefined))?.value;
    return Array.isArray(value) ? (value as { key: string; catalog: EventCatalog }[]) : [];
  }

  async saveOverview(spec: OverviewSpec, saved: SavedOverview | null): Promise<void> {
    const conn = this.#connection ?? (await this.loadConnection());
    if (!conn) return;
    const scope = cacheScope(conn.url, conn.site);
    const id = `${scope} ${overviewKey(spec)}`;
    if (!saved) return void (await this.#db.overviews.delete(id));
    await this.#db.transaction('rw', this.#db.overviews, async () => {
      await this.#db.overviews.put({ id, scope, savedAt: saved.savedAt, value: saved });
      const extra = (await this.#db.overviews.count()) - SAVED_OVERVIEWS;
      if (extra > 0) await this.#db.overviews.orderBy('savedAt').limit(extra).delete();
    });
  }

  cubeKpis(spec: OverviewSpec): Promise<{ kpis: OverviewKpis | null; reason: string | null }> {
    return this.#worker.call('cubeKpis', (api) => api.cubeKpis({ ...spec, filters: spec.filters.map((f) => ({ ...f, values: [...f.values] })) }));
  }

  prepareOverviewTable(): Promise<void> {
    return this.#worker.call('prepareOverviewTable', (api) => api.prepareOverviewTable());
  }

  cubeOverview(spec: OverviewSpec): Promise<CubeOverview> {
    return this.#worker.call('cubeOverview', (api) => api.cubeOverview({ ...spec, filters: spec.filters.map((f) => ({ ...f, values: [...f.values] })) }));
  }

  async timeline(): Promise<{ name: string; ms: number; where: 'page' | 'worker' }[]> {
    const worker = await this.#worker.call('timeline', (api) => api.timeline()).catch(() => []);
    const at = (m: TimelineMark, where: 'page' | 'worker') => ({ name: m.name, ms: Math.round(m.at - performance.timeOrigin), where });
    return [...timelineMarks().map((m) => at(m, 'page')), ...worker.map((m) => at(m, 'worker'))].sort((a, b) => a.ms - b.ms);
  }

  identityCoverage(): Promise<IdentityCoverage | null> {
    return this.#worker.call('identityCoverage', (api) => api.identityCoverage());
  }

  ensurePersonMap(): Promise<'kept' | 'built' | 'no data'> {
    return this.#worker.call('ensurePersonMap', (api) => api.ensurePersonMap());
  }

  tableInfo(): Promise<TableInfo> {
    return this.#worker.call('tableInfo', (api) => api.tableInfo());
  }

  async clearLocalData(): Promise<void> {
    this.#lastLoad = null;
    this.#connection = null;
    if (this.status !== 'crashed') await this.#worker.call('clearLocalData', (api) => api.clearData());
    await this.#db.transaction('rw', [this.#db.files, this.#db.bodies, this.#db.settings, this.#db.overviews], async () => {
      await this.#db.files.clear();
      await this.#db.bodies.clear();
      await this.#db.overviews.clear();
      await this.#db.settings.delete(CONNECTION_SETTING);
      await this.#db.settings.delete(CATALOG_SETTING);
    });
    this.#connection = null;
  }

  cacheStats(): Promise<CacheStats> {
    return this.#worker.call('cacheStats', (api) => api.cacheStats());
  }

  async restart(): Promise<void> {
    await this.#worker.start();
    const last = this.#lastLoad;
    if (!last) return;
    const reload =
      last.kind === 'files'
        ? this.#load('restart', {}, (api, token, onProgress) => api.loadFiles(token, last.files, onProgress))
        : this.#load('restart', {}, (api, token, onProgress) => api.loadCached(token, { url: last.conn.url, site: last.conn.site }, last.range, last.columns, onProgress));
    const result = await reload;
    if (result.failures.length > 0) console.warn('restart: some files could not be reloaded', result.failures);
  }

  info(): Promise<EngineInfo> {
    return this.#worker.call('info', (api) => api.info());
  }

  async simulateCrash(kind: SimulatedCrash): Promise<void> {
    if (kind === 'terminate') return this.#worker.killSilently();
    await this.#worker.call('simulateCrash', async (api) => api.simulateCrash(kind));
  }

  async #requireConnection(): Promise<EdgeConnection> {
    const conn = this.#connection ?? (await this.loadConnection());
    if (!conn) throw new Error('no edge connection: connect (edge URL, site, read token) first');
    return conn;
  }

  async #load(
    method: string,
    opts: LoadOptions,
    start: (api: Comlink.Remote<DataWorkerApi>, token: number, onProgress: (p: LoadProgress) => void) => Promise<LoadResult>,
  ): Promise<LoadResult> {
    const token = ++this.#loadSeq;
    const { signal, onProgress } = opts;
    if (signal?.aborted) return { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, rows: 0, fromCache: 0, failures: [], cancelled: true };
    const progress = Comlink.proxy((p: LoadProgress) => {
      if (token === this.#loadSeq || !signal?.aborted) onProgress?.(p);
    });
    const onAbort = () => {
      if (this.status === 'ready') this.#worker.call('cancelLoad', async (api) => api.cancelLoad(token)).catch(() => undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.#worker.call(method, (api) => start(api, token, progress));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** The dashboard's data engine: DuckDB-Wasm and the loader in a supervised worker. */
export function createDataEngine(options: DataEngineOptions = {}): DataEngine {
  return new WorkerDataEngine(options);
}
