/**
 * The `events` table in SQL: DuckDB types of the schema's columns, its DDL and the cast-on-insert, used alike by the
 * dashboard's data worker and the Node connectors (see the data contract in query-engine.ts).
 */
import { EVENT_COLUMNS, type ColumnKind, type ColumnSpec } from '../schema/event-columns';
import { EVENTS_TABLE } from './query-engine';

/** DuckDB types of the `events` table, as the QueryEngine contract states them. */
export const SQL_TYPES: Record<ColumnKind, string> = {
  string: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  float64: 'DOUBLE',
  int32: 'INTEGER',
};

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `CREATE TABLE` (or `CREATE OR REPLACE TABLE`) of `table` with these schema columns, in their order and types. */
export function createTableSql(table: string, columns: readonly ColumnSpec[], options: { replace?: boolean } = {}): string {
  return `CREATE ${options.replace ? 'OR REPLACE ' : ''}TABLE ${quoteIdentifier(table)} (${columns.map((c) => `${quoteIdentifier(c.name)} ${SQL_TYPES[c.kind]}`).join(', ')})`;
}

/** Creates (or empties) the `events` table with every schema column. */
export const CREATE_EVENTS_SQL = createTableSql(EVENTS_TABLE, EVENT_COLUMNS, { replace: true });

/** Appends rows of `source` (which holds some or all schema columns) to events, cast to the schema's types. */
export function insertEventsSql(source: string, present: readonly string[]): string {
  const columns = EVENT_COLUMNS.filter((c) => present.includes(c.name));
  const list = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const casts = columns.map((c) => `CAST(${quoteIdentifier(c.name)} AS ${SQL_TYPES[c.kind]})`).join(', ');
  return `INSERT INTO ${quoteIdentifier(EVENTS_TABLE)} (${list}) SELECT ${casts} FROM ${source}`;
}

/** The schema columns to load, in schema order; unknown names are an error rather than silently empty columns. */
export function resolveColumns(requested: readonly string[] | undefined): ColumnSpec[] {
  if (!requested || requested.length === 0) return [...EVENT_COLUMNS];
  const known = new Set<string>(EVENT_COLUMNS.map((c) => c.name));
  const unknown = requested.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new Error(`unknown event columns: ${unknown.join(', ')} (the schema has ${[...known].join(', ')})`);
  const wanted = new Set(requested);
  return EVENT_COLUMNS.filter((c) => wanted.has(c.name));
}
