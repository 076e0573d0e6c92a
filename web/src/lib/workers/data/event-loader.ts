import type { ColumnSpec } from '@privacy-analytics/core/schema';
import type { DateRange, EdgeConnection, FileSpan, LoadFailure, LoadProgress, LoadResult, SourceOrigin, TableInfo } from '../../engine/data-engine';
import type { DuckDbSession } from './duckdb-session';
import { EdgeClient, sameEtag, type ManifestFile } from '../../edge/edge-client';
import { EdgeRequestError, errorMessage } from '../../engine/errors';
import { coalesceIpcStream } from './arrow-coalesce';
import { compactIfLarge } from '@privacy-analytics/core/engine';
import { joinIpcStreams, sameBytes, splitIpcStream } from './arrow-ipc';
import { ALL_COLUMNS, EVENTS_TABLE, createTableSql, quoteIdentifier, resolveColumns } from './event-table';
import { FileCache } from './file-cache';
import { cacheScope, type CachedFile } from '../../engine/local-db';
import { mapConcurrently } from './map-concurrently';
import { decodeEventsParquet, type DecodedEvents } from './parquet-decoder';

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

export type ProgressListener = (progress: LoadProgress) => void;

/** One file to load: where it comes from and how to get its bytes. */
interface Source {
  key: string;
  bytes: number;
  origin: SourceOrigin;
  read: (signal: AbortSignal) => Promise<{ bytes: Uint8Array; attempts: number; origin: SourceOrigin; etag?: string | null }>;
  /** a cached copy failed to decode: drop it and, when possible, download again */
  onBadCopy?: () => Promise<Source | null>;
  manifest?: ManifestFile;
  /** the version of the file this source reads (manifest or cache entry), to recognise it in a later load */
  etag?: string;
  /** its rows and time span, when the manifest or the cache entry tells them */
  span?: FileSpan;
}

interface LoadedSource {
  key: string;
  rows: number;
  origin: SourceOrigin;
  bytes: number;
  etag?: string;
}

/** How a build meets the current table: replaces it (staging + swap), or appends to it in one transaction. */
type BuildTarget = { kind: 'replace'; scope: string | null } | { kind: 'append'; kept: LoadedSource[] };

/**
 * Builds the `events` table from Parquet files: into a staging table first, swapped in at the end, so a cancelled
 * load or a load in which no file decodes leaves the previous table as it was.
 */
export class EventLoader {
  /** DuckDB once it has started and the empty `events` table exists; set when #ready resolves */
  #session: DuckDbSession | null = null;
  readonly #ready: Promise<DuckDbSession>;
  readonly #cache: FileCache;
  #sources: LoadedSource[] = [];
  #columns: readonly ColumnSpec[] = ALL_COLUMNS;
  /** cache scope (edge + site) of the files in the table; null for local files or an empty table */
  #scope: string | null = null;
  #loadSeq = 0;
  #current: AbortController | null = null;
  #currentToken: number | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * `session` may still be starting: loads begin at once (manifest, downloads, cache reads and decoding overlap
   * with DuckDB's start, several seconds) and only their DuckDB statements wait for it. The empty `events` table is
   * created first thing.
   */
  constructor(session: DuckDbSession | Promise<DuckDbSession>, cache: FileCache) {
    this.#cache = cache;
    this.#ready = Promise.resolve(session).then(async (started) => {
      await EventLoader.#createEmpty(started);
      this.#session = started;
      return started;
    });
    this.#ready.catch(() => undefined);
  }

  /** The session, once DuckDB has started and `events` exists (rejects if DuckDB could not start). */
  ready(): Promise<DuckDbSession> {
    return this.#ready;
  }

  async createEmptyTable(): Promise<void> {
    await EventLoader.#createEmpty(await this.#ready);
    this.#sources = [];
    this.#columns = ALL_COLUMNS;
    this.#scope = null;
  }

  static async #createEmpty(session: DuckDbSession): Promise<void> {
    await session.exec(`DROP TABLE IF EXISTS ${EVENTS_TABLE}`);
    await session.exec(createTableSql(EVENTS_TABLE, ALL_COLUMNS));
  }

  /** The started session; only for code that runs after #ready (tableInfo and #build await it first). */
  get #duckdb(): DuckDbSession {
    if (!this.#session) throw new Error('DuckDB has not started');
    return this.#session;
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
    // the cache's entries of the range are read while the manifest is on its way (one index scan, not one get per file)
    const inCache = this.#cache.inRange(scope, range);
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
    const pinned = new Set(files.map((f) => f.key));
    const kept = this.#reusable(scope, columns, files);
    const wanted = kept ? files.filter((f) => !kept.some((k) => k.key === f.key)) : files;
    const cached = new Map((await inCache).map((entry) => [entry.key, entry]));
    const gone = new Set<string>();
    const download = (file: ManifestFile): Source => ({
      key: file.key,
      bytes: file.bytes,
      origin: 'edge',
      manifest: file,
      etag: file.etag,
      span: spanOf(file),
      read: async (s) => {
        try {
          const got = await client.file(file.key, s);
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
    const target: BuildTarget = kept ? { kind: 'append', kept } : { kind: 'replace', scope };
    const result = await this.#build(sources, columns, signal, onProgress, {
      keepOnEmpty: false,
      target,
      afterRead: async (source, bytes, etag) => {
        if (source.origin !== 'edge' || !source.manifest) return;
        const file = { ...source.manifest, etag: etag ?? source.manifest.etag };
        await this.#cache.put(scope, file, bytes, pinned).catch((error: unknown) => console.warn(`not cached: ${file.key}: ${errorMessage(error)}`));
      },
    });
    if (!result.cancelled) {
      const hits = wanted.map((f) => cached.get(f.key)).filter((e): e is CachedFile => e !== undefined);
      await this.#cache.touch(hits).catch(() => undefined);
      await this.#cache.removeUnlisted(scope, range, pinned).catch(() => undefined);
    }
    return { result, gone: result.failures.filter((f) => gone.has(f.key)).length };
  }

  /**
   * The loaded files a new load of `files` can keep: all of them when the table holds files of the same scope and
   * columns, each still listed with the same ETag (then only new files are appended); null when the table must be
   * rebuilt. Reopening the dashboard loads the cache first and then asks the edge, which thus costs one manifest.
   */
  #reusable(scope: string, columns: readonly ColumnSpec[], files: readonly ManifestFile[]): LoadedSource[] | null {
    if (this.#scope !== scope || this.#sources.length === 0) return null;
    if (columns.length !== this.#columns.length || columns.some((c, i) => c.name !== this.#columns[i]!.name)) return null;
    const listed = new Map(files.map((f) => [f.key, f]));
    const kept = this.#sources.map((s) => ({ source: s, file: listed.get(s.key) }));
    if (kept.some(({ source, file }) => !file || source.etag === undefined || !sameEtag(source.etag, file.etag))) return null;
    return kept.map(({ source }) => ({ ...source, origin: 'cache' }));
  }

  loadCached(conn: Pick<EdgeConnection, 'url' | 'site'>, range: DateRange, columnNames: string[] | undefined, onProgress: ProgressListener, token?: number): Promise<LoadResult> {
    checkRange(range);
    const columns = resolveColumns(columnNames);
    return this.#exclusive(token, (signal) => this.#loadCached(conn, range, columns, signal, onProgress));
  }

  async #loadCached(conn: Pick<EdgeConnection, 'url' | 'site'>, range: DateRange, columns: ColumnSpec[], signal: AbortSignal, onProgress: ProgressListener): Promise<LoadResult> {
    const scope = cacheScope(conn.url, conn.site);
    const entries = (await this.#cache.inRange(scope, range)).sort((a, b) => b.key.localeCompare(a.key));
    // nothing cached and nothing loaded: done, without waiting for DuckDB to start (a first visit goes on to the edge)
    if (entries.length === 0 && this.#sources.length === 0) return { ...emptyProgress(), cancelled: false };
    const result = await this.#build(
      entries.map((entry) => fromCache(this.#cache, entry)),
      columns,
      signal,
      onProgress,
      { keepOnEmpty: false, target: { kind: 'replace', scope } },
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
        read: async () => {
          if (file.size > MAX_LOCAL_FILE_BYTES) throw new Error(`${key}: ${file.size} bytes is more than the ${MAX_LOCAL_FILE_BYTES} bytes a local file may have`);
          return { bytes: new Uint8Array(await file.arrayBuffer()), attempts: 1, origin: 'file' };
        },
      };
    });
    return this.#build(sources, ALL_COLUMNS, signal, onProgress, { keepOnEmpty: true, target: { kind: 'replace', scope: null } });
  }

  /**
   * The table as queries see it, read on a connection of its own (DuckDbSession.read), not the load connection: a
   * load runs its statements and its swap transaction there while the dashboard asks (issue 17).
   */
  async tableInfo(): Promise<TableInfo> {
    // before DuckDB has started nothing can have been loaded: the table is empty (and asking would wait seconds)
    if (!this.#session) return { rows: 0, minTime: null, maxTime: null, sources: [] };
    const session = this.#session;
    const sources = this.#sources.map(({ key, rows, origin }) => ({ key, rows, origin }));
    const hasTime = this.#columns.some((c) => c.name === 'timestamp');
    const [row] = await session.read(
      `SELECT count(*) AS rows${hasTime ? ', min("timestamp") AS min_time, max("timestamp") AS max_time' : ''} FROM ${EVENTS_TABLE}`,
    );
    const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
    return { rows: Number(row?.rows ?? 0), minTime: iso(row?.min_time), maxTime: iso(row?.max_time), sources };
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

  async #build(
    sources: Source[],
    columns: readonly ColumnSpec[],
    signal: AbortSignal,
    onProgress: ProgressListener,
    options: { keepOnEmpty: boolean; target: BuildTarget; afterRead?: (source: Source, bytes: Uint8Array, etag: string | null | undefined) => Promise<void> },
  ): Promise<LoadResult> {
    const { target } = options;
    const kept = target.kind === 'append' ? target.kept : [];
    const staging = `${EVENTS_TABLE}_loading_${++this.#loadSeq}`;
    const progress: LoadProgress = {
      filesDone: kept.length,
      filesTotal: sources.length + kept.length,
      bytesDone: kept.reduce((n, s) => n + s.bytes, 0),
      bytesTotal: sources.reduce((n, s) => n + s.bytes, 0) + kept.reduce((n, s) => n + s.bytes, 0),
      rows: kept.reduce((n, s) => n + s.rows, 0),
      fromCache: kept.length,
      failures: [],
    };
    if (target.kind === 'append' && sources.length === 0) {
      this.#sources = kept;
      onProgress({ ...progress });
      return { ...progress, cancelled: false };
    }
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
    const loaded: LoadedSource[] = [];
    const done = (file: PendingFile) => {
      loaded.push({ key: file.key, rows: file.rows, origin: file.origin, bytes: file.bytes, ...(file.etag ? { etag: file.etag } : {}) });
      progress.filesDone += 1;
      progress.rows += file.rows;
      if (file.origin === 'cache') progress.fromCache += 1;
      if (progress.visibleRows !== undefined) progress.visibleRows = progress.rows;
    };
    // Into an empty table, the first files are published as `events` early (and the rest appended there), so the
    // dashboard can draw while the load goes on.
    const progressive = target.kind === 'replace' && !options.keepOnEmpty && this.#sources.length === 0;
    let table = staging;
    const started = performance.now();
    const background: Promise<void>[] = [];
    // downloads, cache reads and decoding start now, while DuckDB may still be starting, and then overlap with
    // DuckDB appending the previous files
    const prepare = (source: Source) => readAndDecode(source, columns, signal);
    const outcomes = mapConcurrently(sources, () => (this.#session ? CONCURRENCY : CONCURRENCY_WHILE_STARTING), signal, prepare);
    // what is coming, before DuckDB has started: the progress bar's totals, and the index the chart can draw from
    const index = progressive ? fileIndex(sources) : null;
    onProgress({ ...progress, failures: [], ...(index ? { index } : {}) });
    const session = await this.#ready;
    const batch = new InsertBatch(session, staging);
    const flush = async () => {
      for (const outcome of await batch.flush()) {
        if (outcome.error) fail({ key: outcome.file.key, error: `${outcome.file.key}: DuckDB could not append it: ${outcome.error}`, attempts: outcome.file.attempts });
        else done(outcome.file);
      }
      report();
      // large loads: compress what is in (about 10x less memory), so they fit DuckDB-Wasm's 4 GB
      await compactIfLarge((sql) => session.exec(sql));
    };
    // Double buffering: DuckDB appends one batch while this loop reads and decodes the next (the two workers run on
    // different cores). One insert at a time; `inserting` is the one in progress.
    let inserting: Promise<void> = Promise.resolve();
    const flushBehind = async () => {
      await inserting;
      inserting = flush();
      inserting.catch(() => undefined); // awaited later; not an unhandled rejection meanwhile
    };
    const flushNow = async () => {
      await flushBehind();
      await inserting;
    };
    const publish = async () => {
      await inserting;
      await this.#swapIn(staging);
      table = EVENTS_TABLE;
      batch.table = EVENTS_TABLE;
      this.#sources = loaded;
      this.#columns = columns;
      this.#scope = target.kind === 'replace' ? target.scope : this.#scope;
      progress.visibleRows = progress.rows;
      report(true);
    };
    const dropStaging = () => session.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(staging)}`);
    await dropStaging();
    await session.exec(createTableSql(staging, columns));
    report(true);
    try {
      for await (const outcome of outcomes) {
        if (signal.aborted) break;
        if (!outcome.ok) {
          fail(outcome.failure);
          continue;
        }
        const { source, read, decoded } = outcome;
        progress.bytesDone += read.bytes.byteLength;
        if (options.afterRead) background.push(options.afterRead(source, read.bytes, read.etag));
        const etag = read.etag ?? source.etag;
        const file: PendingFile = { key: source.key, rows: decoded.rows, origin: read.origin, attempts: read.attempts, bytes: source.bytes, ...(etag ? { etag } : {}) };
        if (decoded.spliceable) {
          if (!batch.accepts(decoded)) await flushBehind();
          batch.add(file, decoded);
          const firstDue = progressive && table === staging && (batch.rows >= FIRST_PUBLISH_ROWS || performance.now() - started >= FIRST_PUBLISH_MS);
          if (firstDue) await flushNow();
          else if (batch.full) await flushBehind();
        } else {
          await flushNow();
          try {
            await this.#insert(table, columns, decoded);
            done(file);
          } catch (error) {
            fail({ key: source.key, error: `${source.key}: DuckDB could not append it: ${errorMessage(error)}`, attempts: read.attempts });
          }
        }
        if (progressive && table === staging && loaded.length > 0 && !signal.aborted) await publish();
        report();
      }
      if (!signal.aborted) await flushBehind();
      await inserting;
      await Promise.all(background);
      const cancelled = signal.aborted;
      if (table === EVENTS_TABLE) {
        // published early: what was appended stays, also when cancelled (the dashboard shows it as such)
        this.#sources = [...loaded].sort((a, b) => a.key.localeCompare(b.key));
        report(true);
        return { ...progress, failures: [...progress.failures], cancelled };
      }
      if (cancelled || (options.keepOnEmpty && loaded.length === 0)) {
        await dropStaging();
        report(true);
        return { ...progress, failures: [...progress.failures], cancelled };
      }
      if (target.kind === 'append') {
        await this.#appendFrom(staging, columns);
        this.#sources = [...kept, ...loaded].sort((a, b) => a.key.localeCompare(b.key));
      } else {
        await this.#swapIn(staging);
        this.#sources = loaded.sort((a, b) => a.key.localeCompare(b.key));
        this.#columns = columns;
        this.#scope = target.scope;
      }
      report(true);
      return { ...progress, failures: [...progress.failures], cancelled: false };
    } catch (error) {
      await inserting.catch(() => undefined);
      if (table === EVENTS_TABLE) this.#sources = [...loaded].sort((a, b) => a.key.localeCompare(b.key));
      await dropStaging().catch(() => undefined);
      throw error;
    }
  }

  /** `staging` replaces `events` in one transaction. */
  async #swapIn(staging: string): Promise<void> {
    await this.#duckdb.exec('BEGIN TRANSACTION');
    try {
      await this.#duckdb.exec(`DROP TABLE IF EXISTS ${EVENTS_TABLE}`);
      await this.#duckdb.exec(`ALTER TABLE ${quoteIdentifier(staging)} RENAME TO ${EVENTS_TABLE}`);
      await this.#duckdb.exec('COMMIT');
    } catch (error) {
      await this.#duckdb.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** The rows of `staging` are added to `events` and `staging` dropped, in one transaction. */
  async #appendFrom(staging: string, columns: readonly ColumnSpec[]): Promise<void> {
    const list = columns.map((c) => quoteIdentifier(c.name)).join(', ');
    await this.#duckdb.exec('BEGIN TRANSACTION');
    try {
      await this.#duckdb.exec(`INSERT INTO ${EVENTS_TABLE} (${list}) SELECT ${list} FROM ${quoteIdentifier(staging)}`);
      await this.#duckdb.exec(`DROP TABLE ${quoteIdentifier(staging)}`);
      await this.#duckdb.exec('COMMIT');
    } catch (error) {
      await this.#duckdb.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async #insert(table: string, columns: readonly ColumnSpec[], decoded: DecodedEvents): Promise<void> {
    if (decoded.rows === 0) return;
    if (decoded.tableOrder) return this.#duckdb.insertIpc(table, decoded.ipc, false);
    const scratch = `${table}_file`;
    await this.#duckdb.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(scratch)}`);
    await this.#duckdb.insertIpc(scratch, decoded.ipc, true);
    const list = columns.map((c) => quoteIdentifier(c.name)).join(', ');
    try {
      await this.#duckdb.exec(`INSERT INTO ${quoteIdentifier(table)} (${list}) SELECT ${list} FROM ${quoteIdentifier(scratch)}`);
    } finally {
      await this.#duckdb.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(scratch)}`);
    }
  }
}

function emptyProgress(): LoadProgress {
  return { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, rows: 0, fromCache: 0, failures: [] };
}

function cancelledBeforeStart(): LoadResult {
  return { ...emptyProgress(), cancelled: true };
}

/** A file's rows and time span, from its manifest entry or cache entry; undefined when either end is unknown. */
function spanOf({ rows, minTime, maxTime }: { rows: number; minTime?: string | undefined; maxTime?: string | undefined }): FileSpan | undefined {
  return minTime && maxTime ? { rows, minTime, maxTime } : undefined;
}

/** The sources' spans, or null when any of them is unknown (an index missing files would draw a wrong chart). */
function fileIndex(sources: readonly Source[]): FileSpan[] | null {
  const spans = sources.map((s) => s.span);
  return spans.every((s): s is FileSpan => s !== undefined) && spans.length > 0 ? spans : null;
}

function fromCache(cache: FileCache, entry: CachedFile): Source {
  return {
    key: entry.key,
    bytes: entry.bytes,
    origin: 'cache',
    etag: entry.etag,
    span: spanOf(entry),
    read: async () => {
      const bytes = await cache.read(entry);
      if (!bytes) throw new Error(`${entry.key}: the cached copy has disappeared (cleared in another tab?)`);
      return { bytes, attempts: 1, origin: 'cache' };
    },
  };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function checkRange(range: DateRange): void {
  if (!DAY.test(range.from) || !DAY.test(range.to) || Number.isNaN(Date.parse(range.from)) || Number.isNaN(Date.parse(range.to))) {
    throw new Error(`date range must be YYYY-MM-DD to YYYY-MM-DD, got "${range.from}" to "${range.to}"`);
  }
  if (range.from > range.to) throw new Error(`date range: from (${range.from}) is after to (${range.to})`);
}

interface PendingFile {
  key: string;
  rows: number;
  origin: SourceOrigin;
  attempts: number;
  bytes: number;
  etag?: string;
}

/** Rows and bytes one DuckDB insert may carry: big enough to amortise the per-insert cost, small enough for memory. */
const BATCH_MAX_ROWS = 128 * 1024;
const BATCH_MAX_BYTES = 64 * 1024 * 1024;
/** A progressive load publishes its first files once it has this many rows, or after this long, whichever is first. */
const FIRST_PUBLISH_ROWS = 32 * 1024;
const FIRST_PUBLISH_MS = 700;

/**
 * Decoded files waiting to be appended together, as one spliced Arrow stream. If the joint insert fails, each file
 * is tried alone, so one bad file is reported by name and the others still load (an INSERT is all or nothing).
 */
class InsertBatch {
  readonly #session: DuckDbSession;
  /** the table the next flush appends to */
  table: string;
  #schema: Uint8Array | null = null;
  #parts: { file: PendingFile; batches: Uint8Array }[] = [];
  #rows = 0;
  #bytes = 0;

  constructor(session: DuckDbSession, table: string) {
    this.#session = session;
    this.table = table;
  }

  get rows(): number {
    return this.#rows;
  }

  get full(): boolean {
    return this.#rows >= BATCH_MAX_ROWS || this.#bytes >= BATCH_MAX_BYTES;
  }

  accepts(decoded: DecodedEvents): boolean {
    return this.#schema === null || sameBytes(this.#schema, splitIpcStream(decoded.ipc).schema);
  }

  add(file: PendingFile, decoded: DecodedEvents): void {
    const { schema, batches } = splitIpcStream(decoded.ipc);
    this.#schema ??= schema;
    this.#parts.push({ file, batches });
    this.#rows += decoded.rows;
    this.#bytes += batches.byteLength;
  }

  async flush(): Promise<{ file: PendingFile; error?: string }[]> {
    const schema = this.#schema;
    const parts = this.#parts;
    this.#schema = null;
    this.#parts = [];
    this.#rows = 0;
    this.#bytes = 0;
    if (!schema || parts.length === 0) return [];
    try {
      const joined = joinIpcStreams(schema, parts.map((p) => p.batches));
      const one = this.#session.info.threads > 1 ? oneBatch(joined) : joined;
      await this.#session.insertIpc(this.table, one, false);
      return parts.map((p) => ({ file: p.file }));
    } catch (error) {
      if (parts.length === 1) return [{ file: parts[0]!.file, error: errorMessage(error) }];
    }
    const outcomes: { file: PendingFile; error?: string }[] = [];
    for (const part of parts) {
      try {
        await this.#session.insertIpc(this.table, joinIpcStreams(schema, [part.batches]), false);
        outcomes.push({ file: part.file });
      } catch (error) {
        outcomes.push({ file: part.file, error: errorMessage(error) });
      }
    }
    return outcomes;
  }
}

/**
 * The stream as one record batch when that can be done (see arrow-coalesce.ts), else as it is. Only for the
 * threaded build: the single-threaded one appends many small batches as fast as one (1M events on 2 cores: 9.0 s
 * of inserts either way), so there coalescing only cost time (about 4 s).
 */
function oneBatch(stream: Uint8Array): Uint8Array {
  try {
    return coalesceIpcStream(stream) ?? stream;
  } catch (error) {
    console.warn(`inserting ${stream.byteLength} bytes of Arrow without coalescing its batches: ${errorMessage(error)}`);
    return stream;
  }
}

type SourceRead = Awaited<ReturnType<Source['read']>>;

type Prepared = { ok: true; source: Source; read: SourceRead; decoded: DecodedEvents } | { ok: false; failure: LoadFailure };

/** Reads a source and decodes it; a cached copy that does not decode is dropped and downloaded again. */
async function readAndDecode(source: Source, columns: readonly ColumnSpec[], signal: AbortSignal): Promise<Prepared> {
  let read: SourceRead;
  try {
    read = await source.read(signal);
  } catch (error) {
    return { ok: false, failure: { key: source.key, error: errorMessage(error), attempts: (error as { attempts?: number }).attempts ?? 1 } };
  }
  try {
    return { ok: true, source, read, decoded: await decodeEventsParquet(read.bytes, columns, source.key) };
  } catch (error) {
    const again = source.onBadCopy ? await source.onBadCopy().catch(() => null) : null;
    if (!again) return { ok: false, failure: { key: source.key, error: errorMessage(error), attempts: read.attempts } };
    try {
      const fresh = await again.read(signal);
      return { ok: true, source: again, read: fresh, decoded: await decodeEventsParquet(fresh.bytes, columns, again.key) };
    } catch (retryError) {
      return { ok: false, failure: { key: source.key, error: errorMessage(retryError), attempts: (retryError as { attempts?: number }).attempts ?? 1 } };
    }
  }
}
