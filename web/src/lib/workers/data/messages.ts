import type { TimelineMark } from '../../engine/timeline';
import type { CacheStats, CubeOverview, DateRange, DuckDbBundleName, EdgeConnection, EngineInfo, LoadProgress, LoadResult, RollupOverview, TableInfo } from '../../engine/data-engine';
import type { IdentityCoverage, OverviewKpis, OverviewSpec } from '@privacy-analytics/core/analytics';
import type { SerializedError } from '../../engine/errors';
import type { Row, SqlValue } from '@privacy-analytics/core/engine';

export interface DataWorkerInit {
  wasmBase: string;
  bundle?: DuckDbBundleName;
  /** the page's navigator.hardwareConcurrency (see chooseBundle) */
  cores: number;
  cacheQuotaBytes?: number;
  unresponsiveAfterMs: number;
  databaseName: string;
  warehouse: 'opfs' | 'memory';
}

/** Crashes the data worker can stage on request: an uncaught error, or its DuckDB worker vanishing. */
export type WorkerCrashKind = 'error' | 'duckdb';

/**
 * The data worker's API as seen through comlink. Only the engine facade (web/src/lib/engine/worker-data-engine.ts)
 * calls it; callbacks are passed as comlink proxies.
 */
export interface DataWorkerApi {
  ping(): string;
  /** Resolves once the worker takes calls; DuckDB may still be starting (calls that need it wait for it). */
  init(options: DataWorkerInit, onFatal: (error: SerializedError) => void): Promise<void>;
  /** the DuckDB build and threads, once DuckDB has started */
  info(): Promise<EngineInfo>;
  query(id: number, sql: string, params: readonly SqlValue[]): Promise<Row[]>;
  /** cancels queries with an id up to `upToId` */
  cancelQueries(upToId: number): Promise<boolean>;
  loadRange(token: number, conn: EdgeConnection, range: DateRange, columns: string[] | undefined, onProgress: (p: LoadProgress) => void): Promise<LoadResult>;
  loadCached(token: number, conn: Pick<EdgeConnection, 'url' | 'site'>, range: DateRange, columns: string[] | undefined, onProgress: (p: LoadProgress) => void): Promise<LoadResult>;
  loadFiles(token: number, files: File[], onProgress: (p: LoadProgress) => void): Promise<LoadResult>;
  cancelLoad(token: number): void;
  /** the range's imported ad-spend tables as the DuckDB table `ad_spend` (ad-spend-tables.ts) */
  loadAdSpend(conn: EdgeConnection, range: DateRange): Promise<{ files: number; rows: number }>;
  /** The columns and first rows of a Parquet file as text (the Imports view's preview). */
  previewParquet(bytes: Uint8Array, rows: number, label: string): Promise<{ columns: string[]; rows: string[][] }>;
  liveCounts(conn: EdgeConnection, minutes: number): Promise<{ minute: string; accepted: number }[]>;
  /** the overview from the edge's rollups (rollup-loader.ts) */
  rollupOverview(conn: EdgeConnection, spec: OverviewSpec, confirm?: string): Promise<RollupOverview>;
  /** the overview from the local overview table (overview-cube.ts) */
  cubeOverview(spec: OverviewSpec): Promise<CubeOverview>;
  cubeKpis(spec: OverviewSpec): Promise<{ kpis: OverviewKpis | null; reason: string | null }>;
  prepareOverviewTable(): Promise<void>;
  tableInfo(): Promise<TableInfo>;
  /** this worker's timeline marks (engine/timeline.ts) */
  timeline(): TimelineMark[];
  /** person_map for the files the events view shows: kept when built from them before, else built (person-map-keeper.ts) */
  ensurePersonMap(): Promise<'kept' | 'built' | 'no data'>;
  /** core's identityCoverage over person_map, kept per set of files shown (person-map-keeper.ts); null: no data */
  identityCoverage(): Promise<IdentityCoverage | null>;
  /** empties the file cache and the events table */
  clearData(): Promise<void>;
  cacheStats(): Promise<CacheStats>;
  simulateCrash(kind: WorkerCrashKind): Promise<void>;
}
