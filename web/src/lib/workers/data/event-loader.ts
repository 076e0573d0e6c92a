import { mark } from '../../engine/timeline';
import type { ColumnSpec } from '@privacy-analytics/core/schema';
import { compactIfLarge } from '@privacy-analytics/core/engine';
import type { DateRange, EdgeConnection, LoadFailure, LoadProgress, LoadResult, TableInfo } from '../../engine/data-engine';
import { EdgeClient, sameEtag, type ManifestFile } from '../../edge/edge-client';
import { EdgeRequestError, errorMessage } from '../../engine/errors';
import { cacheScope, type CachedFile } from '../../engine/local-db';
import type { DuckDbSession } from './duckdb-session';
import { ALL_COLUMNS, EVENTS_TABLE, quoteIdentifier, resolveColumns } from './event-table';
import type { FileCache } from './file-cache';
import { coalesceIpcStream } from './arrow-coalesce';
import { joinIpcStreams, sameBytes, splitIpcStream } from './arrow-ipc';
import { mapConcurrently } from './map-concurrently';
import type { DecodedEvents } from './parquet-decoder';
import { decodeHere, fileIndex, fromCache, readAndDecode, spanOf, type Decoder, type Prepared, type Source } from './sources';
import { LOCAL_SCOPE, Warehouse, type WarehouseFile, type WarehouseView } from './warehouse';

/**
 * Files downloaded or read from the cache at once; decoding and inserting happen one file at a time. More than the
 * browser's 6 connections per host: cache reads are batched (see FileCache.read) and requests queue in the browser.
 */
const CONCURRENCY = 16;
/**
 * Files prepared at once while DuckDB is still starting: enough for the first insert, few enough not to slow the
 * start down (on 2 cores, 16 decodes beside DuckDB's start made it 1.5-2 s slower).
 */
const CONCURRENCY_WHILE_STARTING = 2;
const PROGRESS_EVERY_MS = 100;
/**
 * How often one load reads the manifest again because files it listed were gone when downloaded (merged by
 * compaction after the grace period, deleted by retention or an erasure); then the files left missing are reported.
 */
const MANIFEST_CHANGES_FOLLOWED = 2;
const FILE_GONE = 'no longer on the edge: it was merged into a larger file or deleted after the list of files was read. Retry loads the current list.';
/** The largest local file accepted (an ArrayBuffer of it must fit in memory next to the decoded data). */
export const MAX_LOCAL_FILE_BYTES = 1024 * 1024 * 1024;
/** A first load publishes its first files once it has this many rows, or after this long, whichever is first. */
const FIRST_PUBLISH_ROWS = 32 * 1024;
const FIRST_PUBLISH_MS = 700;
/** ...and then what it has added, at most this often (each publish is a commit and a new `events` view). */
const PUBLISH_EVERY_MS = 1_500;
/**
 * DuckDB's row group. One statement appending at least this many rows to a table writes them compressed straight into
 * the database file; smaller appends go through the write-ahead log and are compressed again at the automatic
 * checkpoints (issue 18: 1.5-1.7x the CPU time for the 1M layout's ~33k-row daily files, see docs/dashboard-engine.md).
 * So files with fewer rows wait until the waiting ones (of any day) make a row group, then go into a new table
 * together, with one insert (at most twice this, minus one row, per table).
 */
const ROW_GROUP_ROWS = 122_880;

export type ProgressListener = (progress: LoadProgress) => void;

interface BuildOptions {
  scope: string;
  /** the days the `events` view shows; null: every file of the scope (local files) */
  range: DateRange | null;
  columns: readonly ColumnSpec[];
  /** committed files that stay as they are (unchanged on the edge) */
  kept: readonly WarehouseFile[];
  /** keys of committed files that leave the warehouse (gone from the manifest, or a new ETag) */
  removed: readonly string[];
  /** local files: if no file can be read, everything stays as it was */
  keepOnEmpty: boolean;
  /** local files: the new files replace every file of the scope */
  replaceScope: boolean;
  afterRead?: (source: Source, bytes: Uint8Array, etag: string | null | undefined) => Promise<void>;
}

/**
 * Keeps the local warehouse (warehouse.ts) in step with the edge's manifest, the file cache or local files, and
 * points the `events` view at what the dashboard looks at. A warm visit opens the warehouse and asks the edge for the
 * manifest only: files already there with the same ETag are not read again, new ones are added and dropped ones
 * removed in one transaction.
 */
export class EventLoader {
  /** DuckDB once it has started and the warehouse is open; set when #ready resolves */
  #session: DuckDbSession | null = null;
  #warehouse: Warehouse | null = null;
  readonly #ready: Promise<DuckDbSession>;
  readonly #cache: FileCache;
  readonly #warehouseInOpfs: boolean;
  /** the warehouse holds nothing when DuckDB opens it (a new file, or memory): see #knownEmpty */
  readonly #startsEmpty: Promise<boolean>;
  /** decodes a file's Parquet (a DecodePool's workers, or this thread) */
  readonly #decode: Decoder;
  /** Where this session's loads read each file (edge or cache); files found in the warehouse count as cache. */
  readonly #origins = new Map<string, 'edge' | 'cache'>();
  #current: AbortController | null = null;
  #currentToken: number | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * `session` may still be starting: loads begin at once (manifest, downloads, cache reads and decoding overlap
   * with DuckDB's start) and only their DuckDB statements wait for it.
   */
  /**
   * `warehouseInOpfs`: the warehouse was asked to live in OPFS (a reopen then waits for DuckDB to open it).
   * `startsEmpty`: whether the warehouse will hold nothing when opened (its file was just created, or it is in memory);
   * then a first load does not wait for DuckDB to open it to know which files it already has. `decode`: where files
   * are decoded (DecodePool.decode; by default in this thread).
   */
  constructor(
    session: DuckDbSession | Promise<DuckDbSession>,
    cache: FileCache,
    warehouseInOpfs = false,
    startsEmpty: Promise<boolean> = Promise.resolve(!warehouseInOpfs),
    decode: Decoder = decodeHere,
  ) {
    this.#cache = cache;
    this.#decode = decode;
    this.#warehouseInOpfs = warehouseInOpfs;
    this.#startsEmpty = startsEmpty.catch(() => false);
    this.#ready = Promise.resolve(session).then(async (started) => {
      this.#warehouse = await Warehouse.open(started, started.info.storage);
      mark('warehouse open');
      this.#session = started;
      return started;
    });
    this.#ready.catch(() => undefined);
  }

  /** The session, once DuckDB has started and the warehouse is open (rejects if DuckDB could not start). */
  ready(): Promise<DuckDbSession> {
    return this.#ready;
  }

  /** The Parquet cache is not used: the warehouse is in OPFS (or, before DuckDB has opened it, is meant to be). */
  get #parquetCacheUnused(): boolean {
    return this.#warehouse ? this.#warehouse.persistent : this.#warehouseInOpfs;
  }

  /** The warehouse, once DuckDB has started and opened it. */
  warehouse(): Promise<Warehouse> {
    return this.#wh();
  }

  async #wh(): Promise<Warehouse> {
    await this.#ready;
    return this.#warehouse!;
  }

  /**
   * The warehouse is not open yet and will hold nothing when it is: no load can have committed before it opens (loads
   * run one at a time and commit through it), so a load's files to read are the manifest's, known without DuckDB.
   */
  async #knownEmpty(): Promise<boolean> {
    return this.#warehouse === null && (await this.#startsEmpty) && this.#warehouse === null;
  }

  /** Every file leaves the local warehouse; `events` is empty. */
  async createEmptyTable(): Promise<void> {
    await (await this.#wh()).clear();
  }

  /** Stops the load in progress, or only load `token` if given (its promise resolves with cancelled: true). */
  cancel(token?: number): void {
    if (token === undefined || token === this.#currentToken) this.#current?.abort(new DOMException('load cancelled', 'AbortError'));
  }

  loadRange(conn: EdgeConnection, range: DateRange, columnNames: string[] | undefined, onProgress: ProgressListener, token?: number): Promise<LoadResult> {
    checkRange(range);
    const columns = resolveColumns(columnNames);
    return this.#exclusive(token, (signal) => this.#loadRange(conn, range, columns, signal, onProgress));
  }

  async #loadRange(conn: EdgeConnection, range: DateRange, columns: ColumnSpec[], signal: AbortSignal, onProgress: ProgressListener): Promise<LoadResult> {
    const client = new EdgeClient(conn);
    for (let pass = 0; ; pass++) {
      const { result, gone } = await this.#loadListed(client, conn, range, columns, signal, onProgress);
      // files the manifest listed a moment ago are gone: the edge's list changed under the load; load the new list
      if (result.cancelled || gone === 0 || pass === MANIFEST_CHANGES_FOLLOWED) return result;
    }
  }

  /** One pass of loadRange over the manifest as the edge lists it now; `gone`: listed files the edge no longer has. */
  async #loadListed(
    client: EdgeClient,
    conn: EdgeConnection,
    range: DateRange,
    columns: ColumnSpec[],
    signal: AbortSignal,
    onProgress: ProgressListener,
  ): Promise<{ result: LoadResult; gone: number }> {
    const scope = cacheScope(conn.url, conn.site);
    // With the warehouse in OPFS the Parquet bytes are not kept besides (one copy); in memory, the IndexedDB cache
    // keeps them for the next visit. Its entries of the range are read while the manifest is on its way, and neither
    // waits for DuckDB to start.
    const inCache = this.#parquetCacheUnused ? Promise.resolve([]) : this.#cache.inRange(scope, range);
    inCache.catch(() => undefined);
    let manifest;
    try {
      manifest = await client.manifest(range, signal);
    } catch (error) {
      if (signal.aborted) return { result: cancelledBeforeStart(), gone: 0 };
      throw error;
    }
    // newest first: with progressive loading the latest days show first
    const files = manifest.files.filter((f) => f.date >= range.from && f.date <= range.to).sort((a, b) => b.key.localeCompare(a.key));
    const listed = new Map(files.map((f) => [f.key, f]));
    const pinned = new Set(listed.keys());
    // A warehouse known to be empty is not waited for: on a first visit the downloads and decoding start while DuckDB
    // is still starting (issue 18: they waited for DuckDB to open its file, 2 s into the visit); only the inserts wait.
    const warehouse = (await this.#knownEmpty()) ? null : await this.#wh();
    if (!warehouse) mark('load: the warehouse is new, its files not waited for');
    // whether the rows are kept in OPFS: #parquetCacheUnused, asked when needed (before DuckDB has opened the
    // warehouse it says what was asked for; the warehouse may yet fall back to memory: another tab)
    const persistent = this.#parquetCacheUnused;
    const committed = warehouse?.files(scope, range) ?? [];
    const changed = committed.filter((f) => {
      const file = listed.get(f.key);
      return file === undefined || f.etag === null || !sameEtag(f.etag, file.etag);
    });
    // in memory, only the range shown is kept (as before the warehouse: memory is the limit); in OPFS every synced day
    // stays for the next visit
    const outside = !warehouse || persistent ? [] : warehouse.files(scope).filter((f) => !committed.includes(f)).map((f) => f.key);
    // a file leaves with its table: files sharing it leave too and, when still listed, are read again below
    const leaving = warehouse ? warehouse.withTableMates(scope, [...changed.map((f) => f.key), ...outside]) : new Set<string>();
    const kept = committed.filter((f) => !leaving.has(f.key));
    const keptKeys = new Set(kept.map((f) => f.key));
    const removed = [...leaving];
    const wanted = files.filter((f) => !keptKeys.has(f.key));
    const cached = new Map((persistent ? [] : await inCache).map((entry) => [entry.key, entry]));
    const gone = new Set<string>();
    const download = (file: ManifestFile): Source => ({
      key: file.key,
      bytes: file.bytes,
      origin: 'edge',
      manifest: file,
      etag: file.etag,
      span: spanOf(file),
      date: file.date,
      read: async (s) => {
        try {
          const got = await client.file(file.key, s, undefined, { priority: 'low' });
          return { bytes: got.bytes, attempts: got.attempts, origin: 'edge', etag: got.etag };
        } catch (error) {
          if (!(error instanceof EdgeRequestError && error.status === 404)) throw error;
          gone.add(file.key);
          throw Object.assign(new Error(FILE_GONE, { cause: error }), { attempts: 1 });
        }
      },
    });
    const sources = wanted.map((file): Source => {
      const entry = cached.get(file.key);
      if (!entry || !sameEtag(entry.etag, file.etag)) return download(file);
      return {
        ...fromCache(this.#cache, entry),
        onBadCopy: async () => {
          await this.#cache.remove([entry.id]);
          return download(file);
        },
      };
    });
    const result = await this.#build(sources, {
      scope,
      range,
      columns,
      kept,
      removed,
      keepOnEmpty: false,
      replaceScope: false,
      afterRead: async (source, bytes, etag) => {
        if (this.#parquetCacheUnused || source.origin !== 'edge' || !source.manifest) return;
        const file = { ...source.manifest, etag: etag ?? source.manifest.etag };
        await this.#cache.put(scope, file, bytes, pinned).catch((error: unknown) => console.warn(`not cached: ${file.key}: ${errorMessage(error)}`));
      },
    }, signal, onProgress);
    if (!result.cancelled) {
      const hits = wanted.map((f) => cached.get(f.key)).filter((e): e is CachedFile => e !== undefined);
      await this.#cache.touch(hits).catch(() => undefined);
      // in OPFS mode, Parquet copies of an earlier version are not needed any more: the warehouse holds the rows
      await this.#cache.removeUnlisted(scope, range, this.#parquetCacheUnused ? new Set() : pinned).catch(() => undefined);
    }
    return { result, gone: result.failures.filter((f) => gone.has(f.key)).length };
  }

  loadCached(conn: Pick<EdgeConnection, 'url' | 'site'>, range: DateRange, columnNames: string[] | undefined, onProgress: ProgressListener, token?: number): Promise<LoadResult> {
    checkRange(range);
    const columns = resolveColumns(columnNames);
    return this.#exclusive(token, (signal) => this.#loadCached(conn, range, columns, signal, onProgress));
  }

  /**
   * Offline reopen: what the warehouse holds for the range, else what the file cache holds. With files in the
   * warehouse nothing is decoded; the cache's copies of files the warehouse lacks are added.
   */
  async #loadCached(conn: Pick<EdgeConnection, 'url' | 'site'>, range: DateRange, columns: ColumnSpec[], signal: AbortSignal, onProgress: ProgressListener): Promise<LoadResult> {
    const scope = cacheScope(conn.url, conn.site);
    // in OPFS mode the warehouse is the only copy: the cache holds nothing (or leftovers of an earlier version)
    const entries = this.#parquetCacheUnused ? [] : (await this.#cache.inRange(scope, range)).sort((a, b) => b.key.localeCompare(a.key));
    // in memory with nothing cached: a first visit goes on to the edge without waiting for DuckDB to start (with the
    // warehouse in OPFS, DuckDB has to open it to know what it holds, unless its file was just created)
    if (!this.#warehouseInOpfs && entries.length === 0 && (this.#warehouse?.files(scope, range).length ?? 0) === 0) return { ...emptyProgress(), cancelled: false };
    // the same with the warehouse in a file DuckDB has not opened yet but that was just created: it holds nothing
    if (entries.length === 0 && (await this.#knownEmpty())) return { ...emptyProgress(), cancelled: false };
    const warehouse = await this.#wh();
    const kept = warehouse.files(scope, range);
    const have = new Map(kept.map((f) => [f.key, f]));
    const missing = (warehouse.persistent ? [] : entries).filter((e) => {
      const f = have.get(e.key);
      return !f || f.etag === null || !sameEtag(f.etag, e.etag);
    });
    const stale = warehouse.withTableMates(scope, missing.map((e) => e.key));
    const result = await this.#build(
      missing.map((entry) => fromCache(this.#cache, entry)),
      { scope, range, columns, kept: kept.filter((f) => !stale.has(f.key)), removed: kept.filter((f) => stale.has(f.key)).map((f) => f.key), keepOnEmpty: false, replaceScope: false },
      signal,
      onProgress,
    );
    if (!result.cancelled) await this.#cache.touch(entries).catch(() => undefined);
    return result;
  }

  loadFiles(files: readonly File[], onProgress: ProgressListener, token?: number): Promise<LoadResult> {
    return this.#exclusive(token, (signal) => this.#loadFiles(files, signal, onProgress));
  }

  async #loadFiles(files: readonly File[], signal: AbortSignal, onProgress: ProgressListener): Promise<LoadResult> {
    const seen = new Map<string, number>();
    const sources = files.map((file): Source => {
      const count = (seen.get(file.name) ?? 0) + 1;
      seen.set(file.name, count);
      const key = count === 1 ? file.name : `${file.name} (${count})`;
      return {
        key,
        bytes: file.size,
        origin: 'file',
        date: null,
        read: async () => {
          if (file.size > MAX_LOCAL_FILE_BYTES) throw new Error(`${key}: ${file.size} bytes is more than the ${MAX_LOCAL_FILE_BYTES} bytes a local file may have`);
          return { bytes: new Uint8Array(await file.arrayBuffer()), attempts: 1, origin: 'file' };
        },
      };
    });
    return this.#build(sources, { scope: LOCAL_SCOPE, range: null, columns: ALL_COLUMNS, kept: [], removed: [], keepOnEmpty: true, replaceScope: true }, signal, onProgress);
  }

  /**
   * The table as queries see it, read on a connection of its own (DuckDbSession.read), not the load connection: a
   * load runs its statements and its commits there while the dashboard asks (issue 17).
   */
  async tableInfo(): Promise<TableInfo> {
    // before DuckDB has started nothing can have been loaded: the table is empty (and asking would wait seconds)
    if (!this.#session || !this.#warehouse) return { rows: 0, minTime: null, maxTime: null, sources: [] };
    const view = this.#warehouse.view;
    const files = this.#warehouse.viewFiles();
    const sources = files.map(({ key, rows }) => ({ key, rows, origin: view?.scope === LOCAL_SCOPE ? ('file' as const) : this.#origins.get(key) ?? ('cache' as const) }));
    // rows and time span from the catalog (no scan of the events); the query checks that the view reads, and asks
    // DuckDB for the span only when a file's span is not known (local files)
    const hasTime = (view?.columns ?? ALL_COLUMNS).some((c) => c.name === 'timestamp');
    const spansKnown = files.every((f) => f.minTime !== null && f.maxTime !== null);
    const [row] = await this.#session.read(
      hasTime && !spansKnown ? `SELECT min("timestamp") AS min_time, max("timestamp") AS max_time FROM ${EVENTS_TABLE}` : `SELECT 1 AS ok FROM ${EVENTS_TABLE} LIMIT 0`,
    );
    const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
    const rows = files.reduce((n, f) => n + f.rows, 0);
    const withRows = files.filter((f) => f.rows > 0);
    const span = (pick: (f: WarehouseFile) => string | null, better: (a: string, b: string) => boolean) =>
      withRows.reduce<string | null>((best, f) => {
        const v = pick(f);
        return v !== null && (best === null || better(v, best)) ? v : best;
      }, null);
    const minTime = !hasTime ? null : spansKnown ? span((f) => f.minTime, (a, b) => Date.parse(a) < Date.parse(b)) : iso(row?.min_time);
    const maxTime = !hasTime ? null : spansKnown ? span((f) => f.maxTime, (a, b) => Date.parse(a) > Date.parse(b)) : iso(row?.max_time);
    const normal = (v: string | null) => (v === null ? null : new Date(v).toISOString());
    const { storage, storageNote } = this.#session.info;
    return { rows, minTime: normal(minTime), maxTime: normal(maxTime), sources, storage, storageNote };
  }

  /**
   * A new load cancels the one in progress (the newer request wins) and starts once that one has cleaned up, so two
   * loads never interleave statements on the load connection.
   */
  #exclusive<T>(token: number | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.#current?.abort(new DOMException('superseded by a newer load', 'AbortError'));
    const controller = new AbortController();
    this.#current = controller;
    this.#currentToken = token;
    const run = this.#tail.then(() => work(controller.signal));
    this.#tail = run.catch(() => undefined);
    return run.finally(() => {
      if (this.#current === controller) this.#current = null;
    });
  }

  /** Runs after any load in progress has finished (clearing data, replacing the table). */
  afterLoads<T>(work: () => Promise<T>): Promise<T> {
    this.cancel();
    const run = this.#tail.then(work);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Reads and decodes `sources` (concurrently, while DuckDB may still be starting), inserts each file into a table
   * of its own and commits them to the warehouse: a first load of the range in steps (its newest files show first),
   * a sync of a range the warehouse already holds in one transaction with the removals.
   */
  async #build(sources: Source[], options: BuildOptions, signal: AbortSignal, onProgress: ProgressListener): Promise<LoadResult> {
    const { scope, kept } = options;
    const view: WarehouseView = { scope, range: options.range, columns: options.columns };
    const progress: LoadProgress = {
      filesDone: kept.length,
      filesTotal: sources.length + kept.length,
      bytesDone: kept.reduce((n, s) => n + s.bytes, 0),
      bytesTotal: sources.reduce((n, s) => n + s.bytes, 0) + kept.reduce((n, s) => n + s.bytes, 0),
      rows: kept.reduce((n, s) => n + s.rows, 0),
      fromCache: kept.length,
      decoded: 0,
      failures: [],
    };
    for (const file of kept) this.#origins.set(file.key, 'cache');
    let lastReport = 0;
    const report = (force = false) => {
      const now = Date.now();
      if (!force && now - lastReport < PROGRESS_EVERY_MS) return;
      lastReport = now;
      onProgress({ ...progress, failures: [...progress.failures] });
    };
    const fail = (failure: LoadFailure) => {
      progress.failures.push(failure);
      progress.filesDone += 1;
      report(true);
    };
    // A first load of the range (nothing of it in the warehouse) publishes as it goes, so the dashboard can draw
    // while the load goes on; a local-file load replaces the data only at the end (if any file could be read).
    const progressive = kept.length === 0 && !options.keepOnEmpty;
    // the files' spans, for the chart over time before any DuckDB figure, when this is what the page first shows
    const firstShown = this.#warehouse?.view?.scope !== scope && !options.keepOnEmpty;
    const everyFile = [...kept.map((f) => ({ key: f.key, span: spanOf({ rows: f.rows, minTime: f.minTime ?? undefined, maxTime: f.maxTime ?? undefined }) })), ...sources];
    const index = firstShown ? fileIndex(everyFile.sort((a, b) => b.key.localeCompare(a.key))) : null;
    onProgress({ ...progress, failures: [], ...(index ? { index } : {}) });
    const times = { decodeMs: 0, insertMs: 0, commitMs: 0, commits: 0 };
    const prepare = (source: Source) => readAndDecode(source, ALL_COLUMNS, signal, (ms) => (times.decodeMs += ms), this.#decode);
    const outcomes = mapConcurrently(sources, () => (this.#session ? CONCURRENCY : CONCURRENCY_WHILE_STARTING), signal, prepare);
    const warehouse = await this.#wh();
    if (sources.length === 0) {
      if (options.removed.length > 0) await warehouse.commit(scope, [], options.removed, view);
      else await warehouse.setView(view);
      if (options.removed.length > 0) await warehouse.checkpoint();
      report(true);
      return { ...progress, failures: [], cancelled: false };
    }
    const background: Promise<void>[] = [];
    /** tables made by this load and not committed yet (dropped if it fails or a sync is cancelled) */
    const uncommitted = new Set<string>();
    /** files of less than a row group decoded and not inserted yet: they go into one table together */
    let waiting: { files: Decoded[]; rows: number } = { files: [], rows: 0 };
    let pending: WarehouseFile[] = [];
    let removedPending = [...options.removed];
    const added: WarehouseFile[] = [];
    let published = false;
    let lastPublish = 0;
    const started = performance.now();
    const publish = async () => {
      if (pending.length === 0 && removedPending.length === 0) return;
      const replaced = options.replaceScope ? warehouse.files(scope).map((f) => f.key).filter((key) => !added.some((a) => a.key === key)) : [];
      const t = performance.now();
      await warehouse.commit(scope, pending, [...removedPending, ...replaced], view);
      times.commitMs += performance.now() - t;
      times.commits += 1;
      mark(`load: commit ${times.commits} (${progress.rows} rows; so far decode ${Math.round(times.decodeMs)} ms, insert ${Math.round(times.insertMs)} ms, commits ${Math.round(times.commitMs)} ms, waits for queries ${Math.round(this.#session!.loadWaitMs)} ms)`);
      uncommitted.clear();
      pending = [];
      removedPending = [];
      published = true;
      lastPublish = performance.now();
      progress.visibleRows = progress.rows;
      report(true);
    };
    /** a file whose rows are in `table` (not committed yet), from rowid `rowOffset` on */
    const markInserted = ({ source, read, decoded }: Decoded, table: string, rowOffset: number) => {
      const file: WarehouseFile = {
        scope,
        key: source.key,
        etag: read.etag ?? source.etag ?? null,
        date: source.date,
        rows: decoded.rows,
        bytes: source.bytes,
        minTime: source.span?.minTime ?? null,
        maxTime: source.span?.maxTime ?? null,
        table,
        rowOffset,
      };
      pending.push(file);
      added.push(file);
      this.#origins.set(file.key, read.origin === 'edge' ? 'edge' : 'cache');
      progress.filesDone += 1;
      progress.rows += decoded.rows;
      if (read.origin === 'cache') progress.fromCache += 1;
    };
    /**
     * The waiting files into a new table, one insert (all or nothing); the table is filled once and never appended to
     * afterwards, so each file's rows keep the rowids counted here (see WarehouseFile.rowOffset).
     */
    const flush = async () => {
      const batch = waiting;
      waiting = { files: [], rows: 0 };
      if (batch.files.length === 0) return;
      let table = await warehouse.newFileTable();
      uncommitted.add(table);
      try {
        const t = performance.now();
        const order = await this.#append(table, batch.files.map((f) => f.decoded));
        times.insertMs += performance.now() - t;
        const byDecoded = new Map(batch.files.map((f) => [f.decoded, f]));
        let offset = 0;
        for (const decoded of order) {
          markInserted(byDecoded.get(decoded)!, table, offset);
          offset += decoded.rows;
        }
      } catch {
        // one file spoilt the insert: a fresh table (no row of the failed insert in it), each file on its own, so only
        // the bad one fails
        await warehouse.discard([table]);
        uncommitted.delete(table);
        table = await warehouse.newFileTable();
        uncommitted.add(table);
        let offset = 0;
        for (const file of batch.files) {
          try {
            await this.#append(table, [file.decoded]);
            markInserted(file, table, offset);
            offset += file.decoded.rows;
          } catch (error) {
            fail({ key: file.source.key, error: `${file.source.key}: DuckDB could not append it: ${errorMessage(error)}`, attempts: file.read.attempts });
          }
        }
      }
    };
    try {
      for await (const outcome of outcomes) {
        if (signal.aborted) break;
        if (!outcome.ok) {
          fail(outcome.failure);
          continue;
        }
        const { source, read, decoded } = outcome;
        progress.bytesDone += read.bytes.byteLength;
        progress.decoded = (progress.decoded ?? 0) + 1;
        if (options.afterRead) background.push(options.afterRead(source, read.bytes, read.etag));
        if (decoded.rows < ROW_GROUP_ROWS) {
          // a file of less than a row group waits for others: they go in together once they fill one
          waiting.files.push(outcome);
          waiting.rows += decoded.rows;
          if (waiting.rows >= ROW_GROUP_ROWS) await flush();
        } else {
          const table = await warehouse.newFileTable();
          uncommitted.add(table);
          try {
            const t = performance.now();
            await this.#insert(table, decoded);
            times.insertMs += performance.now() - t;
            markInserted(outcome, table, 0);
          } catch (error) {
            fail({ key: source.key, error: `${source.key}: DuckDB could not append it: ${errorMessage(error)}`, attempts: read.attempts });
          }
        }
        if (progressive && !signal.aborted) {
          const now = performance.now();
          // the first step publishes what it has (a small table: the dashboard draws early); later ones publish the
          // tables made since, and waiting files wait for a row group
          if (!published && (progress.rows + waiting.rows >= FIRST_PUBLISH_ROWS || now - started >= FIRST_PUBLISH_MS)) {
            await flush();
            await publish();
          } else if (published && now - lastPublish >= PUBLISH_EVERY_MS) await publish();
        }
        report();
      }
      if (!signal.aborted || progressive) await flush();
      await Promise.all(background);
      const cancelled = signal.aborted;
      if (cancelled && !progressive) {
        // a sync that did not finish changes nothing: the previous version stays
        await warehouse.discard([...uncommitted]);
        report(true);
        return { ...progress, failures: [...progress.failures], cancelled };
      }
      if (options.keepOnEmpty && added.length === 0) {
        await warehouse.discard([...uncommitted]);
        report(true);
        return { ...progress, failures: [...progress.failures], cancelled };
      }
      // a first load keeps what it has read also when cancelled (the dashboard shows it as such)
      await publish();
      await warehouse.discard([...uncommitted]);
      if (!published) await warehouse.setView(view);
      const beforeCheckpoint = performance.now();
      await warehouse.checkpoint();
      mark(`load: checkpoint ${Math.round(performance.now() - beforeCheckpoint)} ms (${progress.rows} rows; decode ${Math.round(times.decodeMs)} ms, insert ${Math.round(times.insertMs)} ms, ${times.commits} commits ${Math.round(times.commitMs)} ms, waits for queries ${Math.round(this.#session!.loadWaitMs)} ms)`);
      if (!warehouse.persistent) await compactIfLarge((sql) => this.#session!.exec(sql));
      report(true);
      return { ...progress, failures: [...progress.failures], cancelled };
    } catch (error) {
      await warehouse.discard([...uncommitted]).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Files' rows appended to a new table; returns the files in the order their rows went in (those without rows
   * last). Their Arrow streams are spliced into one when they have the same schema; one stream in the table's column
   * order is one append statement, else they go through a scratch table, one INSERT per stream (a failure can leave
   * the rows of earlier streams: the caller drops the table).
   */
  async #append(table: string, files: readonly DecodedEvents[]): Promise<DecodedEvents[]> {
    const session = this.#session!;
    const withRows = files.filter((f) => f.rows > 0);
    const parts = spliced(withRows);
    const order = [...parts.flatMap((p) => p.files), ...files.filter((f) => f.rows === 0)];
    const streams = parts.map((p) => p.stream);
    if (streams.length === 0) return order;
    // one stream in the table's column order: one append statement, itself all or nothing, straight into the table
    // (through a scratch table every row was written to the database file twice: issue 18)
    if (streams.length === 1 && withRows.every((f) => f.spliceable)) {
      await session.insertIpc(table, streams[0]!, false);
      return order;
    }
    const name = this.#warehouse!.scratchName();
    const scratch = quoteIdentifier(name);
    const list = ALL_COLUMNS.map((c) => quoteIdentifier(c.name)).join(', ');
    try {
      await session.insertIpc(name, streams[0]!, true);
      await session.exec(`INSERT INTO ${quoteIdentifier(table)} (${list}) SELECT ${list} FROM ${scratch}`);
      for (const stream of streams.slice(1)) {
        await session.exec(`DROP TABLE ${scratch}`);
        await session.insertIpc(name, stream, true);
        await session.exec(`INSERT INTO ${quoteIdentifier(table)} (${list}) SELECT ${list} FROM ${scratch}`);
      }
      await session.exec(`DROP TABLE ${scratch}`);
      return order;
    } catch (error) {
      await session.exec(`DROP TABLE IF EXISTS ${scratch}`).catch(() => undefined);
      throw error;
    }
  }

  /** One file's rows into its own new table (created with the `events` columns and types). */
  async #insert(table: string, decoded: DecodedEvents): Promise<void> {
    const session = this.#session!;
    if (decoded.rows === 0) return;
    if (decoded.tableOrder) return session.insertIpc(table, session.info.threads > 1 && decoded.spliceable ? oneBatch(decoded.ipc) : decoded.ipc, false);
    const scratch = `${table}_file`;
    await session.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(scratch)}`);
    await session.insertIpc(scratch, decoded.ipc, true);
    const list = ALL_COLUMNS.map((c) => quoteIdentifier(c.name)).join(', ');
    try {
      await session.exec(`INSERT INTO ${quoteIdentifier(table)} (${list}) SELECT ${list} FROM ${quoteIdentifier(scratch)}`);
    } finally {
      await session.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(scratch)}`);
    }
  }
}

type Decoded = Extract<Prepared, { ok: true }>;

/**
 * The files' Arrow streams, those of the same schema (same column order and types, no dictionaries: see
 * DecodedEvents.spliceable) joined into one; a file that cannot be spliced stays a stream of its own.
 */
function spliced(files: readonly DecodedEvents[]): { stream: Uint8Array; files: DecodedEvents[] }[] {
  const groups: { schema: Uint8Array; parts: Uint8Array[]; files: DecodedEvents[] }[] = [];
  const alone: { stream: Uint8Array; files: DecodedEvents[] }[] = [];
  for (const file of files) {
    if (!file.spliceable) {
      alone.push({ stream: file.ipc, files: [file] });
      continue;
    }
    const { schema, batches } = splitIpcStream(file.ipc);
    const group = groups.find((g) => sameBytes(g.schema, schema));
    if (group) {
      group.parts.push(batches);
      group.files.push(file);
    } else groups.push({ schema, parts: [batches], files: [file] });
  }
  return [...groups.map((g) => ({ stream: joinIpcStreams(g.schema, g.parts), files: g.files })), ...alone];
}

function emptyProgress(): LoadProgress {
  return { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, rows: 0, fromCache: 0, failures: [] };
}

function cancelledBeforeStart(): LoadResult {
  return { ...emptyProgress(), cancelled: true };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function checkRange(range: DateRange): void {
  if (!DAY.test(range.from) || !DAY.test(range.to) || Number.isNaN(Date.parse(range.from)) || Number.isNaN(Date.parse(range.to))) {
    throw new Error(`date range must be YYYY-MM-DD to YYYY-MM-DD, got "${range.from}" to "${range.to}"`);
  }
  if (range.from > range.to) throw new Error(`date range: from (${range.from}) is after to (${range.to})`);
}


/**
 * The stream as one record batch when that can be done (see arrow-coalesce.ts), else as it is. Only for the
 * threaded build: the single-threaded one appends many small batches as fast as one.
 */
function oneBatch(stream: Uint8Array): Uint8Array {
  try {
    return coalesceIpcStream(stream) ?? stream;
  } catch (error) {
    console.warn(`inserting ${stream.byteLength} bytes of Arrow without coalescing its batches: ${errorMessage(error)}`);
    return stream;
  }
}
