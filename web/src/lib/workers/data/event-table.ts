import { EVENT_COLUMNS, type ColumnKind, type ColumnSpec } from '@privacy-analytics/core/schema';
import { EVENTS_TABLE } from '@privacy-analytics/core/engine';

/** DuckDB types of the `events` table, as the QueryEngine contract states them. */
export const SQL_TYPES: Record<ColumnKind, string> = {
  string: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  float64: 'DOUBLE',
  int32: 'INTEGER',
};

export const ALL_COLUMNS: readonly ColumnSpec[] = EVENT_COLUMNS;

/** The schema columns to load, in schema order; unknown names are an error rather than silently empty columns. */
export function resolveColumns(requested: readonly string[] | undefined): ColumnSpec[] {
  if (!requested || requested.length === 0) return [...ALL_COLUMNS];
  const known = new Set<string>(ALL_COLUMNS.map((c) => c.name));
  const unknown = requested.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new Error(`unknown event columns: ${unknown.join(', ')} (the schema has ${[...known].join(', ')})`);
  const wanted = new Set(requested);
  return ALL_COLUMNS.filter((c) => wanted.has(c.name));
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function createTableSql(table: string, columns: readonly ColumnSpec[]): string {
  return `CREATE TABLE ${quoteIdentifier(table)} (${columns.map((c) => `${quoteIdentifier(c.name)} ${SQL_TYPES[c.kind]}`).join(', ')})`;
}

export { EVENTS_TABLE };
