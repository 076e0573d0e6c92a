/**
 * Records (NDJSON objects, Parquet rows) as a table of text cells, the shape CSV gives: the header is the union of the
 * keys in order of appearance, each value is text. Values: null and undefined are empty; text stays; numbers as
 * JavaScript writes them; a bigint as its digits; a Date as ISO 8601; booleans as true / false; arrays and objects as
 * JSON (bigints inside as digits); bytes are left empty (a binary column is not a field an import reads).
 */
import type { TableRow } from './table-messages';

export interface RecordTable {
  header: string[];
  rows: TableRow[];
}

export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '';
  return JSON.stringify(value, bigintAsText);
}

const bigintAsText = (_key: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/**
 * A value read from Arrow (apache-arrow rows of a Parquet file) as plain JSON data, as the edge reads the same file:
 * int64 as a number when exact (else its digits), timestamps and dates as epoch ms, structs, lists and maps through
 * their toJSON (bigints inside as digits).
 */
export function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Date) return value.getTime();
  if (value !== null && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function') return JSON.parse(JSON.stringify(value, bigintAsText)) as unknown;
  return value ?? null;
}

/** `records` with the line (or row number) each came from. */
export function recordsToTable(records: readonly { line: number; value: Record<string, unknown> }[], names: readonly string[] = []): RecordTable {
  const columns = new Map<string, number>();
  for (const name of names) if (!columns.has(name)) columns.set(name, columns.size);
  for (const { value } of records) for (const key of Object.keys(value)) if (!columns.has(key)) columns.set(key, columns.size);
  const header = [...columns.keys()];
  return { header, rows: records.map(({ line, value }) => ({ line, fields: header.map((key) => cellText(value[key])) })) };
}
