import { mark } from '../../engine/timeline';
import * as duckdb from '@duckdb/duckdb-wasm';
import { Table } from 'apache-arrow';
import { tableToRows } from '@privacy-analytics/core/connectors/arrow';
import type { DuckDbBundleName, EngineInfo } from '../../engine/data-engine';
import { QueryCancelledError, errorMessage } from '../../engine/errors';
import type { QueryEngine, Row, SqlValue } from '@privacy-analytics/core/engine';
import { bindParameters } from '@privacy-analytics/core/engine';
import { wasmAssetUrl } from '../../engine/wasm-assets';
import { ensureDatabaseFile } from './empty-database';
import { CountedWork } from '../../engine/counted-work';
import { InTurn } from './in-turn';

/** A DuckDB build the page can run: chooseBundle's answer. */
export interface ChosenBundle {
  name: DuckDbBundleName;
  bundle: duckdb.DuckDBBundle;
}

export interface SessionOptions {
  /** the build to start (see chooseBundle) */
  build: ChosenBundle;
  /** logical cores (the page's navigator.hardwareConcurrency): the threaded build's thread count */
  cores: number;
  /** a DuckDB worker that does not answer a ping for this long while calls are pending is dead */
  unresponsiveAfterMs: number;
  /** the DuckDB worker died or its wasm trapped: the session is unusable */
  onFatal: (error: Error) => void;
  /**
   * The database file to keep between visits (`opfs://<name>.2.duckdb`, the local warehouse), in DuckDB's storage
   * format WAREHOUSE_STORAGE_VERSION. When it cannot be opened (no OPFS, or another tab holds it) DuckDB runs in
   * memory and EngineInfo.storageNote says why.
   */
  databasePath?: string;
  /** files of earlier warehouse formats, deleted from OPFS once the warehouse is open (best effort) */
  retiredDatabasePaths?: readonly string[];
  /** `databasePath` made ready already (prepareWarehouseFile, started beside DuckDB's start); else open does it */
  warehouseFile?: Promise<PreparedWarehouseFile>;
}

/**
 * The warehouse's OPFS file before DuckDB opens it, or why it cannot be used. `empty`: the warehouse is known to hold
 * no file of events (its database was just created, or no commit ever added files: see FILES_MARKER), so a first load
 * need not wait for DuckDB to open it to know what to download.
 */
export type PreparedWarehouseFile =
  | { root: FileSystemDirectoryHandle; fileName: string; empty: boolean }
  | { unavailable: string }
  | { failed: string };

/**
 * An empty OPFS entry beside the warehouse file (`<file>.has-files`), created before the first commit that adds files
 * of events to it and never removed: without it the warehouse holds none. Read without DuckDB, so a first visit's load
 * starts while DuckDB starts (issue 18). Only ever a hint towards waiting: when it says "empty" wrongly (it could not
 * be written), a load reads files the warehouse has again and its commit replaces them (same keys).
 */
const FILES_MARKER = '.has-files';

/**
 * Makes the warehouse file ready for DuckDB (see ensureDatabaseFile). Needs no DuckDB, so it runs while DuckDB's wasm
 * is instantiated (1-2 s).
 */
export async function prepareWarehouseFile(databasePath: string): Promise<PreparedWarehouseFile> {
  const why = await opfsUnavailable();
  if (why) return { unavailable: why };
  try {
    const root = await navigator.storage.getDirectory();
    const fileName = opfsEntryName(databasePath);
    // a new file starts as the empty database of the warehouse's storage format (see WAREHOUSE_STORAGE_VERSION)
    const created = await ensureDatabaseFile(root, fileName);
    const marked = !created && (await root.getFileHandle(`${fileName}${FILES_MARKER}`).then(() => true, () => false));
    return { root, fileName, empty: !marked };
  } catch (error) {
    return { failed: errorMessage(error) };
  }
}

/**
 * DuckDB's storage format for the warehouse file. DuckDB creates a new file in its oldest readable format (v0.10)
 * unless told otherwise, which compresses strings by analysing dictionary and FSST compression separately; from
 * v1.3.0 one combined method (DICT_FSST) does it. Measured on the 1M-event layout (DuckDB-Wasm 1.4.3 in Node,
 * `scripts/bench/rowgroup-insert.ts`, tables of whole row groups written into a file): inserts 9.8-10.0 s and a 79 MiB
 * file in the default format, 7.0-7.1 s and 63.5 MiB in v1.3.0 (v1.4.0 the same). DuckDB-Wasm's `db.open` takes no
 * storage format, so a new warehouse file starts as the empty database of this format (empty-database.ts) and DuckDB
 * opens an existing file, keeping its format. Readable by DuckDB 1.3 and later only, which is all the dashboard ships.
 */
export const WAREHOUSE_STORAGE_VERSION = 'v1.3.0';

/** The OPFS root's entry name of an `opfs://<name>` path. */
const opfsEntryName = (path: string) => path.replace(/^opfs:\/\//, '');

/** Deletes earlier warehouse files (and their logs) from OPFS; a file another tab still holds stays. */
async function removeRetiredFiles(root: FileSystemDirectoryHandle, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    for (const name of [path, `${path}.wal`].map(opfsEntryName)) await root.removeEntry(name).catch(() => undefined);
  }
}

/** Our own-origin copies of DuckDB's three builds (never getJsDelivrBundles). */
export function localBundles(wasmBase: string): duckdb.DuckDBBundles {
  const url = (file: string) => wasmAssetUrl(wasmBase, file);
  return {
    mvp: { mainModule: url('duckdb-mvp.wasm'), mainWorker: url('duckdb-browser-mvp.worker.js') },
    eh: { mainModule: url('duckdb-eh.wasm'), mainWorker: url('duckdb-browser-eh.worker.js') },
    coi: { mainModule: url('duckdb-coi.wasm'), mainWorker: url('duckdb-browser-coi.worker.js'), pthreadWorker: url('duckdb-browser-coi.pthread.worker.js') },
  };
}

/**
 * The threaded build only pays from this many cores. Measured in Chromium on 2 cores with 1M events, the threaded
 * build (2 threads) against the single-threaded one: start 6.0 s against 2.9 s, the 5-step funnel 2.6 s against
 * 1.6 s, the identity map 1.7 s against 0.8 s; its threads compete with the page and the data worker for the cores.
 */
export const THREADED_MIN_CORES = 4;

/**
 * COI (threads) when the page is cross-origin isolated, has SharedArrayBuffer and at least THREADED_MIN_CORES
 * cores, and the warehouse is to be kept in memory; else EH; MVP for browsers without wasm exceptions. With the
 * warehouse in OPFS the single-threaded build runs: the threaded one stopped answering when it wrote its database
 * to OPFS (DuckDB-Wasm 1.32, Chromium), and a warm visit that decodes nothing gains more than threads do.
 */
export async function chooseBundle(bundles: duckdb.DuckDBBundles, cores: number, forced?: DuckDbBundleName, persistent = false): Promise<ChosenBundle> {
  const features = await duckdb.getPlatformFeatures();
  const isolated = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';
  const threaded = !persistent && isolated && cores >= THREADED_MIN_CORES && features.wasmThreads && features.wasmExceptions && features.wasmSIMD;
  const name: DuckDbBundleName = forced ?? (threaded ? 'coi' : features.wasmExceptions ? 'eh' : 'mvp');
  if (name === 'coi') {
    if (!isolated) throw new Error('the threaded DuckDB build needs a cross-origin isolated page (COOP/COEP headers)');
    return { name, bundle: { ...bundles.coi!, pthreadWorker: bundles.coi!.pthreadWorker } };
  }
  const chosen = name === 'eh' ? bundles.eh! : bundles.mvp;
  return { name, bundle: { mainModule: chosen.mainModule, mainWorker: chosen.mainWorker, pthreadWorker: null } };
}

/**
 * Run once at start. Most keep DuckDB from reaching the network: no extension auto-install or auto-load
 * (read_parquet would otherwise fetch the parquet extension from DuckDB's extension site), an extension repository
 * on our own origin where nothing is served, no external file access from SQL. preserve_insertion_order off lets
 * threaded inserts skip keeping row order (loads about 1.5x faster; row order without ORDER BY is unspecified
 * anyway). Last, the configuration is locked so the SQL console cannot undo any of it.
 */
export function startupStatements(extensionRepository: string): string[] {
  return [
    'SET autoinstall_known_extensions = false',
    'SET autoload_known_extensions = false',
    `SET custom_extension_repository = '${extensionRepository.replaceAll("'", "''")}'`,
    'SET enable_external_access = false',
    'SET preserve_insertion_order = false',
    // no checkpoint at a commit: a checkpoint takes each changed table's lock exclusively and, single-threaded, spins
    // for ever while another connection's paused statement reads that table (duckdb issue 14303). The warehouse
    // checkpoints itself, through DuckDbSession.checkpoint, when no other statement is under way.
    "SET checkpoint_threshold = '1TB'",
    'SET lock_configuration = true',
  ];
}

/** Why this worker cannot keep a database in OPFS, or null when it can. */
async function opfsUnavailable(): Promise<string | null> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.getDirectory) return 'this browser has no Origin Private File System';
  if (typeof (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle === 'undefined') {
    return 'this browser cannot write OPFS files from a worker';
  }
  try {
    await storage.getDirectory();
    return null;
  } catch (error) {
    return `the Origin Private File System is not available here (${errorMessage(error)})`;
  }
}

/** The longest a load statement waits for queued queries before it goes ahead anyway. */
const LOAD_YIELD_MAX_MS = 2_000;

const WASM_TRAP = /^(RuntimeError|Aborted\(|memory access out of bounds|unreachable|table index is out of bounds)/;

/**
 * DuckDB-Wasm in its own worker, opened from our origin, with one connection for queries (serial; cancellable),
 * one for loading, so a load never waits behind a long query, and one for the engine's reads of the loaded table.
 */
export class DuckDbSession {
  readonly info: EngineInfo;
  readonly #db: duckdb.AsyncDuckDB;
  readonly #worker: Worker;
  #queryConn: duckdb.AsyncDuckDBConnection;
  readonly #loadConn: duckdb.AsyncDuckDBConnection;
  readonly #readConn: duckdb.AsyncDuckDBConnection;
  /** the engine's own statements in turn with the page's queries (queryInTurn): never swapped by cancelUpTo */
  readonly #turnConn: duckdb.AsyncDuckDBConnection;
  readonly #options: SessionOptions;
  /** the page's queries and the engine's statements in turn with them (queryInTurn) */
  readonly #queryTurns = new InTurn();
  readonly #loadTurns = new InTurn();
  readonly #readTurns = new InTurn();
  #cancelledUpTo = 0;
  #runningId: number | null = null;
  #pendingCalls = 0;
  #lastAnswer = Date.now();
  #watchdog: ReturnType<typeof setInterval> | null = null;
  #dead = false;
  /** statements under way on the query and read connections (a checkpoint waits until there are none) */
  readonly #reading = new CountedWork();
  /** a checkpoint under way: statements on the query and read connections start after it */
  #checkpointing: Promise<void> | null = null;
  /** time load statements spent waiting for queued queries (see #afterQueries), for the engine's timeline */
  loadWaitMs = 0;
  /** the warehouse's OPFS file (storage 'opfs'), for FILES_MARKER */
  #opfsFile: { root: FileSystemDirectoryHandle; fileName: string } | null = null;
  #filesMarked: Promise<void> | null = null;

  private constructor(
    db: duckdb.AsyncDuckDB,
    worker: Worker,
    connections: { query: duckdb.AsyncDuckDBConnection; load: duckdb.AsyncDuckDBConnection; read: duckdb.AsyncDuckDBConnection; turn: duckdb.AsyncDuckDBConnection },
    info: EngineInfo,
    options: SessionOptions,
  ) {
    this.#db = db;
    this.#worker = worker;
    this.#queryConn = connections.query;
    this.#loadConn = connections.load;
    this.#readConn = connections.read;
    this.#turnConn = connections.turn;
    this.info = info;
    this.#options = options;
  }

  static async open(options: SessionOptions): Promise<DuckDbSession> {
    const { name, bundle } = options.build;
    const worker = new Worker(bundle.mainWorker!, { name: `duckdb-${name}` });
    let session: DuckDbSession | null = null;
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      const error = new Error(`the DuckDB worker failed: ${event.message || 'script failed to load or threw'}`);
      if (session) session.#fail(error);
      else options.onFatal(error);
    });
    const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
    mark(`duckdb ${name}: instantiate`);
    await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
    mark(`duckdb ${name}: instantiated`);
    const threads = name === 'coi' ? Math.max(2, Math.min(options.cores, 8)) : 1;
    const config: duckdb.DuckDBConfig = {
      maximumThreads: threads,
      allowUnsignedExtensions: false,
      filesystem: { allowFullHTTPReads: false },
      query: { castBigIntToDouble: false, castDecimalToDouble: true, castTimestampToDate: false },
    };
    let storage: EngineInfo['storage'] = 'memory';
    let opfsFile: { root: FileSystemDirectoryHandle; fileName: string } | null = null;
    let storageNote: string | null = options.databasePath ? null : 'the dashboard was opened with the in-memory warehouse';
    if (options.databasePath && name === 'coi') storageNote = 'the threaded DuckDB build keeps its database in memory';
    else if (options.databasePath) {
      const prepared = await (options.warehouseFile ?? prepareWarehouseFile(options.databasePath));
      if ('unavailable' in prepared) storageNote = prepared.unavailable;
      else {
        try {
          if ('failed' in prepared) throw new Error(prepared.failed);
          const { root, fileName } = prepared;
          // The write-ahead log is registered here, also when empty: DuckDB-Wasm's open registers only files with
          // content and leaves an empty one to be picked up when DuckDB first opens it, which for an existing
          // database is its read-only look for a log to replay; the first commit then failed with "File is not
          // opened in write mode" (DuckDB-Wasm 1.32, Chromium; reproduced with the empty database file).
          const wal = await root.getFileHandle(`${fileName}.wal`, { create: true });
          await db.registerFileHandle(`${options.databasePath}.wal`, wal, duckdb.DuckDBDataProtocol.BROWSER_FSACCESS, true);
          await db.open({ ...config, path: options.databasePath, accessMode: duckdb.DuckDBAccessMode.READ_WRITE });
          storage = 'opfs';
          opfsFile = { root, fileName };
          void removeRetiredFiles(root, options.retiredDatabasePaths ?? []).catch(() => undefined);
        } catch (error) {
          // the log's handle, if it was registered, is let go (it would keep the file from the tab that holds it)
          await db.dropFile(`${options.databasePath}.wal`).catch(() => undefined);
          console.warn(`local warehouse ${options.databasePath} not opened: ${errorMessage(error)}`);
          storageNote = 'another tab of this dashboard has the local database open (or the browser refused it)';
        }
      }
    }
    if (storage === 'memory') await db.open(config);
    mark(`duckdb: database open (${storage})`);
    const connections = { query: await db.connect(), load: await db.connect(), read: await db.connect(), turn: await db.connect() };
    for (const statement of startupStatements(new URL('/wasm/no-extensions', self.location.origin).href)) await connections.query.query(statement);
    const info: EngineInfo = {
      bundle: name,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      threads,
      duckdbVersion: await db.getVersion(),
      storage,
      storageNote,
    };
    session = new DuckDbSession(db, worker, connections, info, options);
    session.#opfsFile = opfsFile;
    mark('duckdb: ready');
    return session;
  }

  /**
   * Notes beside the warehouse file, before a commit adds files of events, that it may hold some (FILES_MARKER). Once
   * per session; a failure is logged (the next visit's first load then reads those files again) and tried again.
   */
  noteFilesAdded(): Promise<void> {
    const file = this.#opfsFile;
    if (!file) return Promise.resolve();
    this.#filesMarked ??= file.root.getFileHandle(`${file.fileName}${FILES_MARKER}`, { create: true }).then(
      () => undefined,
      (error: unknown) => {
        this.#filesMarked = null;
        console.warn(`local warehouse: could not note that it holds files: ${errorMessage(error)}`);
      },
    );
    return this.#filesMarked;
  }

  /** Runs queries one at a time; one cancelled by cancelUpTo() rejects with QueryCancelledError. */
  query(id: number, sql: string, params: readonly SqlValue[]): Promise<Row[]> {
    const run = async (): Promise<Row[]> => {
      if (id <= this.#cancelledUpTo) throw new QueryCancelledError('the query was cancelled before it started');
      const text = params.length > 0 ? bindParameters(sql, params) : sql;
      this.#runningId = id;
      try {
        return tableToRows(await this.#reads(() => this.#watch(this.#run(text))));
      } catch (error) {
        if (id <= this.#cancelledUpTo) throw new QueryCancelledError('the query was cancelled', { cause: error });
        throw error;
      } finally {
        this.#runningId = null;
      }
    };
    return this.#queryTurns.run(run);
  }

  /**
   * Cancels every query with an id up to `id`: queued ones before they start, the running one with cancelSent().
   * DuckDB-Wasm's cancel does not interrupt the query's tasks, and the next statement on that connection would
   * first run them to the end (minutes, for a runaway console query). So the connection is left behind and later
   * queries get a fresh one; its tasks never run again (single-threaded) or finish in the background (threads).
   */
  async cancelUpTo(id: number): Promise<boolean> {
    this.#cancelledUpTo = Math.max(this.#cancelledUpTo, id);
    if (this.#runningId === null || this.#runningId > id) return false;
    const cancelled = this.#queryConn;
    this.#queryConn = await this.#watch(this.#db.connect());
    const sent = await this.#watch(cancelled.cancelSent());
    // closed, so that its paused statement lets go of the tables it read (a checkpoint waits for them: see checkpoint)
    void cancelled.close().catch(() => undefined);
    return sent;
  }

  /**
   * One of the engine's own reads (the loaded table's summary), on a connection of its own: it sees only what loads
   * have committed, never a load's open swap transaction, and it waits neither for a long SQL console query nor for
   * a load, nor does cancelQuery() touch it.
   */
  read(sql: string): Promise<Row[]> {
    // a pending query (polled), not one RUN_QUERY message: RUN_QUERY holds DuckDB's single thread for the whole
    // statement, and a statement that waits there for a lock another connection's paused statement holds never ends
    // (a benchmark's filtered overview hung so behind a background build)
    return this.#readTurns.run(async () => tableToRows(await this.#reads(() => this.#watch(this.#run(sql, this.#readConn)))));
  }

  /**
   * One of the engine's own statements in turn with the page's queries (neither waits for a load nor holds one up),
   * on a connection of its own that cancelUpTo never replaces, so the temporary tables of a build of several
   * statements stay its own (the identity map's build: person-map-keeper.ts).
   */
  queryInTurn(sql: string): Promise<Row[]> {
    const run = async (): Promise<Row[]> => tableToRows(await this.#reads(() => this.#watch(this.#run(sql, this.#turnConn))));
    return this.#queryTurns.run(run);
  }

  /**
   * CHECKPOINT on the load connection once no statement is under way on the other connections, which start theirs
   * after it. A checkpoint takes every changed table's lock exclusively; a paused statement of another connection
   * that reads one of them holds it until its next step, which single-threaded DuckDB never reaches while the
   * checkpoint spins for the lock: the DuckDB worker stopped answering for good (a CI run of the marketing e2e).
   */
  checkpoint(): Promise<void> {
    return this.#loadTurns.run(async () => {
      await this.#afterQueries();
      let release!: () => void;
      const checkpointing = new Promise<void>((resolve) => (release = resolve));
      this.#checkpointing = checkpointing;
      try {
        while (this.#reading.count > 0) await this.#reading.idle();
        await this.#watch(this.#run('CHECKPOINT', this.#loadConn));
      } finally {
        this.#checkpointing = null;
        release();
      }
    });
  }

  /** A statement on the query or read connection: not while a checkpoint runs (see checkpoint). */
  async #reads<T>(statement: () => Promise<T>): Promise<T> {
    while (this.#checkpointing) await this.#checkpointing;
    return this.#reading.run(statement);
  }

  /** One statement on the load connection, after the queries already queued (see #afterQueries). */
  exec(sql: string): Promise<Row[]> {
    return this.#loadTurns.run(async () => {
      await this.#afterQueries();
      return tableToRows(await this.#watch(this.#run(sql, this.#loadConn)));
    });
  }

  /**
   * Short statements on the load connection as ONE message to DuckDB's worker (`;`-separated, RUN_QUERY); the last
   * one's rows are returned. For the warehouse's bookkeeping at open, where each statement as a pending query cost
   * tens of ms; only while nothing else runs (no lock can be waited for: see read).
   */
  execBatch(statements: readonly string[]): Promise<Row[]> {
    return this.#loadTurns.run(async () => {
      await this.#afterQueries();
      return tableToRows(await this.#watch(this.#loadConn.query(statements.join(';\n'))));
    });
  }

  /**
   * Statements on the load connection in one turn (no load statement comes between them), each as a pending query
   * so that the DuckDB worker answers other requests between its steps.
   */
  execAll(statements: readonly string[]): Promise<void> {
    return this.#loadTurns.run(async () => {
      await this.#afterQueries();
      for (const sql of statements) await this.#watch(this.#run(sql, this.#loadConn));
    });
  }

  /** Appends an Arrow IPC stream to `table` (columns in table order), or creates `table` from it. */
  insertIpc(table: string, ipc: Uint8Array, create: boolean): Promise<void> {
    return this.#loadTurns.run(async () => {
      await this.#afterQueries();
      await this.#watch(this.#loadConn.insertArrowFromIPCStream(ipc, { name: table, create }));
    });
  }

  /**
   * Load statements give way to the queries queued before them, for at most LOAD_YIELD_MAX_MS. The DuckDB worker
   * answers one request at a time and a query is many requests (it polls for its result, then fetches it), so
   * without this a query made during a load waited for one insert per request: the first chart of a 1M-event load
   * came 8 s after its data was in the table. The bound keeps a long console query from stalling a load.
   */
  async #afterQueries(): Promise<void> {
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#queryTurns.settled(), new Promise<void>((resolve) => (timer = setTimeout(resolve, LOAD_YIELD_MAX_MS)))]);
    clearTimeout(timer);
    this.loadWaitMs += performance.now() - started;
  }

  /** Test hook: the DuckDB worker disappears without a word, as when the browser kills it. */
  killWorkerSilently(): void {
    this.#worker.terminate();
  }

  async close(): Promise<void> {
    this.#stopWatchdog();
    this.#dead = true;
    await this.#db.terminate().catch(() => undefined);
  }

  async #run(text: string, conn = this.#queryConn): Promise<Table> {
    try {
      const reader = await conn.send(text, false);
      if (!reader) throw new Error('DuckDB worker is detached');
      const batches = await reader.readAll();
      return batches.length > 0 ? new Table(batches) : new Table(reader.schema);
    } catch (error) {
      // pending queries take one statement; the SQL console may send several (not cancellable then)
      if (/multiple statements|Cannot prepare multiple/i.test(errorMessage(error))) return conn.query(text);
      throw error;
    }
  }

  /** Tracks a DuckDB call: wasm traps and a silent worker are fatal for the whole session. */
  async #watch<T>(promise: Promise<T>): Promise<T> {
    if (this.#dead) throw new Error('the DuckDB session has failed; restart the engine');
    this.#pendingCalls += 1;
    this.#startWatchdog();
    try {
      const value = await promise;
      this.#lastAnswer = Date.now();
      return value;
    } catch (error) {
      this.#lastAnswer = Date.now();
      if (WASM_TRAP.test(errorMessage(error))) this.#fail(new Error(`DuckDB-Wasm trapped and cannot continue: ${errorMessage(error)}`, { cause: error }));
      throw error;
    } finally {
      this.#pendingCalls -= 1;
    }
  }

  #startWatchdog(): void {
    if (this.#watchdog) return;
    this.#lastAnswer = Date.now();
    const limit = this.#options.unresponsiveAfterMs;
    this.#watchdog = setInterval(() => {
      if (this.#pendingCalls === 0) return this.#stopWatchdog();
      if (Date.now() - this.#lastAnswer > limit) {
        this.#fail(new Error(`the DuckDB worker stopped answering for ${Math.round(limit / 1000)} s (out of memory or killed)`));
        return;
      }
      this.#db.ping().then(() => (this.#lastAnswer = Date.now()), () => undefined);
    }, Math.min(2_000, limit / 2));
  }

  #stopWatchdog(): void {
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = null;
  }

  #fail(error: Error): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#stopWatchdog();
    this.#options.onFatal(error);
  }
}

/**
 * A QueryEngine (core's analyses) over one of the session's ways to run a statement, e.g. `(sql) => session.read(sql)`
 * (the engine's own read connection) or `(sql) => session.queryInTurn(sql)`; parameters are bound into the text.
 */
export function sessionEngine(run: (sql: string) => Promise<Row[]>): QueryEngine {
  return {
    query: <T extends Row = Row>(sql: string, params: readonly SqlValue[] = []) => run(params.length > 0 ? bindParameters(sql, params) : sql) as Promise<T[]>,
  };
}
