import type { QueryEngine } from '@privacy-analytics/core/engine';
import type { DateRange } from '@privacy-analytics/core/time';
import type { EventCatalog, IdentityCoverage, OverviewKpis, OverviewResult, OverviewSpec } from '@privacy-analytics/core/analytics';

/** Where the edge collector is, which site, and a read token. Kept in IndexedDB, never in the URL. */
export interface EdgeConnection {
  url: string;
  site: string;
  token: string;
}

/** YYYY-MM-DD, both inclusive, UTC. */
export type { DateRange };

export interface LoadFailure {
  key: string;
  error: string;
  attempts: number;
}

/** A Parquet file as an index lists it: how many events it holds and the span of their timestamps (ISO 8601). */
import type { FileSpan } from '@privacy-analytics/core/analytics';

export type { FileSpan };

export interface LoadProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  rows: number;
  /** files kept from the local warehouse or read from the Parquet cache (not downloaded) */
  fromCache: number;
  /** files decoded from Parquet by this load (0 on a warm visit: the warehouse holds the rows) */
  decoded?: number;
  failures: LoadFailure[];
  /**
   * Rows of this load already queryable in `events` while it runs: a load into an empty table publishes its first
   * files early (newest first) and appends the rest there. Absent while nothing is published.
   */
  visibleRows?: number;
  /**
   * The files of a load into an empty table with their row counts and time spans (from the edge's manifest or the
   * cache's index), in the load's first report, sent before DuckDB has started: the chart over time can be drawn
   * from it at once (seriesFromFileIndex). Absent when a file's span is unknown or the load adds to loaded data.
   */
  index?: FileSpan[];
}

export interface LoadResult extends LoadProgress {
  cancelled: boolean;
}

export type SourceOrigin = 'edge' | 'cache' | 'file';

export interface TableInfo {
  rows: number;
  minTime: string | null;
  maxTime: string | null;
  sources: { key: string; rows: number; origin: SourceOrigin }[];
  /** where the local warehouse is kept (see EngineInfo.storage); absent before DuckDB has started */
  storage?: 'opfs' | 'memory';
  /** why it is in memory only */
  storageNote?: string | null;
}

export type EngineStatus = 'starting' | 'ready' | 'crashed';

export const DUCKDB_BUNDLE_NAMES = ['coi', 'eh', 'mvp'] as const;
export type DuckDbBundleName = (typeof DUCKDB_BUNDLE_NAMES)[number];

export function isDuckDbBundleName(value: unknown): value is DuckDbBundleName {
  return (DUCKDB_BUNDLE_NAMES as readonly unknown[]).includes(value);
}

/** Which DuckDB build runs and why; for the about box and for tests of the threading fallback. */
export interface EngineInfo {
  bundle: DuckDbBundleName;
  crossOriginIsolated: boolean;
  /** DuckDB worker threads (1 unless the page is cross-origin isolated) */
  threads: number;
  duckdbVersion: string;
  /**
   * Where the local warehouse (the loaded events) is kept: in a DuckDB file in the browser's Origin Private File
   * System, so the next visit opens it without reading anything again, or in memory (read again on every visit).
   */
  storage: 'opfs' | 'memory';
  /** why the warehouse is in memory; null when it is in OPFS */
  storageNote: string | null;
}

export interface LoadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: LoadProgress) => void;
}

export interface RangeLoadOptions extends LoadOptions {
  /** Decode only these columns (the `events` table then has only these). Default: every schema column. */
  columns?: string[];
}

export interface CacheStats {
  files: number;
  bytes: number;
  quota: number | null;
}

/** The overview from the local overview table, or why not (then the events are queried). */
export interface CubeOverview {
  result: OverviewResult | null;
  reason: string | null;
  ms: number;
}

/** The overview from the edge's rollups, or why it could not be drawn from them (then the events are queried). */
export interface RollupOverview {
  result: OverviewResult | null;
  reason: string | null;
  /**
   * Some files of the range are flush files not yet compacted (one per hour and ingest shard): their session
   * fragments are far from whole sessions (docs/rollups.md), so the session figures must come from the events.
   */
  sessionsFromEvents: boolean;
  /** rollup files of the range (or event files, when some had no rollup) */
  files: number;
  bytes: number;
  /** rollup files downloaded for this answer (the others were decoded before) */
  downloaded: number;
  ms: number;
  /**
   * Names the range's files as the manifest lists them now (keys and ETags of the event files and their rollups):
   * equal fingerprints, equal figures. Absent when no manifest was read (a filter the rollups cannot answer).
   */
  fingerprint?: string;
  /**
   * The caller's saved overview (its fingerprint passed as `confirm`) still holds: the manifest lists the same files,
   * so nothing was downloaded or decoded and `result` is null.
   */
  confirmed?: boolean;
}

/** An overview kept on this device (IndexedDB) with the fingerprint of the files it was computed from. */
export interface SavedOverview {
  result: OverviewResult;
  fingerprint: string;
  sessionsFromEvents: boolean;
  /** ms since the epoch */
  savedAt: number;
}

/** How a worker is made to fail on purpose, for tests and for trying the crash banner. */
export type SimulatedCrash = 'error' | 'terminate' | 'duckdb';

export interface DataEngine extends QueryEngine {
  readonly status: EngineStatus;
  onStatus(listener: (status: EngineStatus, error?: Error) => void): () => void;
  saveConnection(conn: EdgeConnection): Promise<void>;
  loadConnection(): Promise<EdgeConnection | null>;
  /**
   * Replaces the `events` table with exactly the files of `range` in the saved connection's manifest: unchanged
   * files from the local cache, new or changed ones (by ETag) from the edge, each retried; files that still fail
   * are reported in `failures`. A newer load cancels an older one. Cancelled: the previous table is kept (a load
   * into an empty table publishes its first files early, see `LoadProgress.visibleRows`, and keeps what it
   * appended). Files already in the table with the same ETag are kept, not read again.
   */
  loadRange(range: DateRange, opts?: RangeLoadOptions): Promise<LoadResult>;
  /** Local Parquet files, no network. Bad files are reported; if none decodes, the current table is kept. */
  loadFiles(files: File[], opts?: LoadOptions): Promise<LoadResult>;
  /** Offline reopen: whatever the cache holds for the range of the saved connection. */
  loadCachedOnly(range: DateRange, opts?: RangeLoadOptions): Promise<LoadResult>;
  liveCounts(minutes: number): Promise<{ minute: string; accepted: number }[]>;
  /** The saved connection's imported ad-spend tables of `range` as the DuckDB table `ad_spend` (replaced whole). */
  loadAdSpend(range: DateRange): Promise<{ files: number; rows: number }>;
  /** The columns and first `rows` rows of a Parquet file as text, decoded in the data worker (an import's preview). */
  previewParquet(bytes: Uint8Array, rows: number, label: string): Promise<{ columns: string[]; rows: string[][] }>;
  /**
   * The overview of `spec` from the saved connection's rollups (no event row needed), when the spec has no filter
   * and every event file of its range has a rollup; otherwise `result` is null and `reason` says why.
   */
  rollupOverview(spec: OverviewSpec, confirm?: string): Promise<RollupOverview>;
  /** The overview of `spec` saved on this device for the connected edge and site, if any (see SavedOverview). */
  savedOverview(spec: OverviewSpec): Promise<SavedOverview | null>;
  /** Saves (or, with null, forgets) the overview of `spec` for the connected edge and site. */
  saveOverview(spec: OverviewSpec, saved: SavedOverview | null): Promise<void>;
  /**
   * The event catalog (core's readEventCatalog) read for the loaded table named by `key`, kept in this browser (the
   * last 8 tables) so a revisit's views fill their pickers and starters before DuckDB answers; null when none is.
   */
  savedCatalog(key: string): Promise<EventCatalog | null>;
  saveCatalog(key: string, catalog: EventCatalog): Promise<void>;
  /**
   * The overview from the local overview table (core's overview-cube.ts; exact, the same SQL as over `events`), when
   * it holds the loaded files and covers the spec's filters; otherwise `result` is null and `reason` says why.
   */
  cubeOverview(spec: OverviewSpec): Promise<CubeOverview>;
  /** The figures alone from the local overview table (one statement), or null with the reason, as cubeOverview. */
  cubeKpis(spec: OverviewSpec): Promise<{ kpis: OverviewKpis | null; reason: string | null }>;
  /**
   * The overview, shown with its data loaded, says a filter may come: the local overview table is read once over its
   * last day (after it is built, if it is being built), so that the first filter does not pay for the table's first
   * read after the database opened. Resolves when done; a no-op when already done for this table.
   */
  prepareOverviewTable(): Promise<void>;
  tableInfo(): Promise<TableInfo>;
  /**
   * The identity map (core's person_map) of the loaded events: kept in the local warehouse with the files it was
   * built from, built only when they changed. 'kept' | 'built' | 'no data'.
   */
  ensurePersonMap(): Promise<'kept' | 'built' | 'no data'>;
  /**
   * How well identity mapping joins the loaded data (core's identityCoverage: persons, identified share, online /
   * offline link rate), computed once per set of loaded files in the data worker; null when no data is loaded.
   */
  identityCoverage(): Promise<IdentityCoverage | null>;
  /** The page's and the data worker's timeline marks (engine/timeline.ts), ms after the page's navigation start, in order. */
  timeline(): Promise<{ name: string; ms: number; where: 'page' | 'worker' }[]>;
  /** Empties the file cache, forgets the saved connection and drops the `events` table. */
  clearLocalData(): Promise<void>;
  cacheStats(): Promise<CacheStats>;
  /** After a crash: a new worker, and the last load repeated from the cache (or the same local files). */
  restart(): Promise<void>;
  /** Cancels the running query and every query sent before this call; later queries run normally. */
  cancelQuery(): Promise<void>;
  info(): Promise<EngineInfo>;
  /** Test hook: make the worker fail the given way. */
  simulateCrash(kind: SimulatedCrash): Promise<void>;
}

export interface DataEngineOptions {
  /** Where the staged wasm is served (default `/wasm/` on the page's origin). */
  wasmBase?: string;
  /** Force a DuckDB build instead of choosing by platform features. */
  bundle?: DuckDbBundleName;
  /** Pretend the storage quota is this many bytes (tests of LRU eviction). Default: navigator.storage.estimate(). */
  cacheQuotaBytes?: number;
  /** A worker that does not answer a ping for this long while calls are pending counts as crashed (default 60 s). */
  unresponsiveAfterMs?: number;
  /** IndexedDB database name (default `pa-dashboard`); also names the warehouse's OPFS file. */
  databaseName?: string;
  /**
   * Where the local warehouse lives: `opfs` (default) keeps it between visits when the browser can (a DuckDB file in
   * the Origin Private File System; Parquet is not cached besides); `memory` reads the files again on every visit and
   * keeps their Parquet bytes in the IndexedDB cache instead (also what happens when OPFS cannot be used).
   */
  warehouse?: 'opfs' | 'memory';
}

