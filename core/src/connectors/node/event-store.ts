/**
 * A QueryEngine that can also load events: the contract the CLI, tests and benchmarks use on Node.
 * Two implementations run the identical SQL: DuckDB-Wasm (the browser's engine, blocking Node
 * bindings) and native DuckDB (`@duckdb/node-api`, for data larger than a browser holds).
 */
import type { QueryEngine } from '../../engine/query-engine';

// The table's SQL and the errors are the engine's (the dashboard's data worker uses the same); exported here too for
// the CLI and the tests, which open their stores from this entry.
export { CREATE_EVENTS_SQL, insertEventsSql, quoteIdentifier } from '../../engine/events-table';
export { errorMessage, QueryError } from '../../engine/errors';

export type EngineKind = 'wasm' | 'native';

export interface EventStore extends QueryEngine {
  readonly kind: EngineKind;
  /** Creates (or empties) the `events` table in the schema's column order and types. */
  resetEvents(): Promise<void>;
  /** Appends the events of Parquet files in the product's schema; returns the rows added. */
  loadParquetFiles(paths: readonly string[]): Promise<number>;
  /** Appends the events of one in-memory Parquet file; `label` names it in errors. */
  loadParquetBytes(bytes: Uint8Array, label: string): Promise<number>;
  close(): Promise<void>;
}

export class InputError extends Error {
  override name = 'InputError';
}

/** Engine settings both engines get: never download or load extensions behind our back. */
export const NO_EXTENSION_DOWNLOADS = ['SET autoinstall_known_extensions = false', 'SET autoload_known_extensions = false'];
