/**
 * A QueryEngine that can also load events: the contract the CLI, tests and benchmarks use on Node.
 * Two implementations run the identical SQL: DuckDB-Wasm (the browser's engine, blocking Node
 * bindings) and native DuckDB (`@duckdb/node-api`, for data larger than a browser holds).
 */
import { EVENT_COLUMNS, type ColumnKind } from '../../schema/event-columns';
import { EVENTS_TABLE, type QueryEngine } from '../../engine/query-engine';

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

export class QueryError extends Error {
  override name = 'QueryError';
  constructor(
    message: string,
    readonly sql: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const SQL_TYPES: Record<ColumnKind, string> = { string: 'VARCHAR', timestamp: 'TIMESTAMP', float64: 'DOUBLE', int32: 'INTEGER' };

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export const CREATE_EVENTS_SQL = `CREATE OR REPLACE TABLE ${quoteIdentifier(EVENTS_TABLE)} (${EVENT_COLUMNS.map((c) => `${quoteIdentifier(c.name)} ${SQL_TYPES[c.kind]}`).join(', ')})`;

/** Appends rows of `source` (which holds some or all schema columns) to events, cast to the schema's types. */
export function insertEventsSql(source: string, present: readonly string[]): string {
  const columns = EVENT_COLUMNS.filter((c) => present.includes(c.name));
  const list = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const casts = columns.map((c) => `CAST(${quoteIdentifier(c.name)} AS ${SQL_TYPES[c.kind]})`).join(', ');
  return `INSERT INTO ${quoteIdentifier(EVENTS_TABLE)} (${list}) SELECT ${casts} FROM ${source}`;
}

/** Engine settings both engines get: never download or load extensions behind our back. */
export const NO_EXTENSION_DOWNLOADS = ['SET autoinstall_known_extensions = false', 'SET autoload_known_extensions = false'];

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
