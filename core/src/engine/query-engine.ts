/**
 * The one interface analytics code needs from a SQL engine. Implemented by the dashboard's
 * DuckDB-Wasm data worker facade, by DuckDB-Wasm in Node (tests, CLI) and by native DuckDB
 * (`--engine native`). Analytics modules take a QueryEngine and never know which one runs them.
 *
 * Data contract: a table named `events` with exactly the columns of the edge's event schema
 * (worker-edge/src/schema/event-columns.ts), `timestamp` and `received_at` as TIMESTAMP (UTC,
 * no time zone), numbers as DOUBLE, `schema_version` as INTEGER, everything else VARCHAR.
 */
export type SqlValue = string | number | boolean | null | Date;

export type Row = Record<string, unknown>;

export interface QueryEngine {
  /** Runs one statement with positional `?` parameters; rows as plain objects (BIGINT as number when safe). */
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
}

export const EVENTS_TABLE = 'events';
