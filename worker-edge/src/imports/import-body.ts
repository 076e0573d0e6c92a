import { parseCsv, recordsToTable, type TableRow } from '@privacy-analytics/core/imports';
import { isParquetFile } from '@privacy-analytics/core/parquet';
import { HttpError } from '../http/http-error';
import { readCapped } from '../http/read-capped';
import { decodeParquetRecords } from '../storage/parquet-reader';

/** Bytes an import request may carry, before and after gzip; a larger file goes in several imports (docs/imports.md). */
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;
/** Data rows per import: parsing, normalising and encoding them fits a Worker's 128 MB. */
export const MAX_IMPORT_ROWS = 100_000;

export interface ImportTable {
  header: string[];
  rows: TableRow[];
}

/**
 * The request body: gzip when Content-Encoding says so or the bytes start with gzip's magic number (a .gz file sent as
 * it is), capped before and after decompression; as text unless it is a Parquet file (`text` null).
 */
export async function readImportBody(request: Request): Promise<{ text: string | null; bytes: Uint8Array }> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_IMPORT_BYTES) throw tooLarge(declared);
  if (!request.body) throw new HttpError(400, 'empty_body', 'send the file as the request body');
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') throw new HttpError(415, 'unsupported_encoding', `content-encoding "${encoding}" is not supported; use gzip or none`);
  let bytes = await readBody(request.body, 'the body');
  if (encoding === 'gzip' || (bytes[0] === 0x1f && bytes[1] === 0x8b)) {
    bytes = await readBody(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')), 'the gzip body');
  }
  if (bytes.byteLength === 0) throw new HttpError(400, 'empty_body', 'the file is empty');
  if (isParquetFile(bytes)) return { text: null, bytes };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HttpError(400, 'invalid_encoding', 'the file is not UTF-8 text (save it as CSV UTF-8)');
  }
  return { text, bytes };
}

function readBody(stream: ReadableStream<Uint8Array>, what: string): Promise<Uint8Array> {
  return readCapped(stream, MAX_IMPORT_BYTES, {
    unreadable: (message) => new HttpError(400, 'malformed_body', `could not read ${what}: ${message}`),
    tooLarge,
  });
}

function tooLarge(bytes: number): HttpError {
  return new HttpError(413, 'import_too_large', `${bytes} bytes exceed the ${MAX_IMPORT_BYTES} bytes an import may have; split the file (npm run import does) into several imports`);
}

export type ImportFormat = 'csv' | 'ndjson' | 'parquet';

/**
 * The format: a Parquet file is recognised by its bytes (magic number at both ends); else the one `format=` names, else
 * the content type's, else the first character's (`{`: NDJSON). Naming Parquet for a body that is not one is a 400.
 */
export function importFormat(param: string | null, contentType: string | null, text: string | null): ImportFormat {
  if (param !== null && param !== 'csv' && param !== 'ndjson' && param !== 'parquet') {
    throw new HttpError(400, 'invalid_parameter', `format: expected csv, ndjson or parquet, got "${param.slice(0, 20)}"`);
  }
  if (text === null) return 'parquet';
  const type = (contentType ?? '').toLowerCase();
  if (param === 'parquet' || (param === null && type.includes('parquet'))) {
    throw new HttpError(400, 'malformed_parquet', 'the body is not a Parquet file (it must start and end with "PAR1"); send the file as it is');
  }
  if (param !== null) return param;
  if (type.includes('ndjson') || type.includes('jsonl') || type.includes('json')) return 'ndjson';
  return text.trimStart().startsWith('{') ? 'ndjson' : 'csv';
}

/**
 * The file as a header and data rows, numbered by their line in the file (a CSV's header is line 1); a Parquet file's
 * rows by their row number from 1.
 */
export function parseImportTable(body: { text: string | null; bytes: Uint8Array }, format: ImportFormat): ImportTable {
  const table = format === 'parquet' || body.text === null ? parquetTable(body.bytes) : format === 'csv' ? csvTable(body.text) : ndjsonTable(body.text);
  if (table.rows.length === 0) throw new HttpError(422, 'no_rows', 'the file has a header but no data rows');
  if (table.rows.length > MAX_IMPORT_ROWS) {
    throw new HttpError(413, 'import_too_large', `${table.rows.length} rows exceed the ${MAX_IMPORT_ROWS} an import may have; split the file (npm run import does) into several imports`);
  }
  return table;
}

function csvTable(text: string): ImportTable {
  const records = parseCsv(text, 'the file', { error: (message) => new HttpError(400, 'malformed_csv', message) });
  const [header, ...rows] = records;
  if (!header) throw new HttpError(400, 'malformed_csv', 'the file has no header line');
  const names = header.fields.map((f) => f.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '') throw new HttpError(400, 'malformed_csv', 'the header has an empty column name');
    if (seen.has(name)) throw new HttpError(400, 'malformed_csv', `the header names column "${name}" twice`);
    seen.add(name);
  }
  return { header: names, rows };
}

/**
 * Parquet: the columns are the header, each row a record; values as text (core recordsToTable: timestamps and dates as
 * epoch milliseconds, which the imports read as times; nested values as JSON). Decoding is bounded by the 16 MiB body.
 */
function parquetTable(bytes: Uint8Array): ImportTable {
  let decoded: { names: string[]; rows: Record<string, unknown>[] };
  try {
    decoded = decodeParquetRecords(bytes);
  } catch (cause) {
    throw new HttpError(400, 'malformed_parquet', `the Parquet file cannot be read: ${(cause instanceof Error ? cause.message : String(cause)).slice(0, 200)}`);
  }
  if (decoded.rows.length > MAX_IMPORT_ROWS) {
    throw new HttpError(413, 'import_too_large', `${decoded.rows.length} rows exceed the ${MAX_IMPORT_ROWS} an import may have; split the file (npm run import does) into several imports`);
  }
  return recordsToTable(
    decoded.rows.map((value, index) => ({ line: index + 1, value })),
    decoded.names,
  );
}

/** NDJSON: one object per line; the header is the union of the keys (in order of appearance), values as text. */
function ndjsonTable(text: string): ImportTable {
  const objects: { line: number; value: Record<string, unknown> }[] = [];
  const columns = new Map<string, number>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new HttpError(400, 'malformed_ndjson', `line ${index + 1}: not valid JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'malformed_ndjson', `line ${index + 1}: not a JSON object`);
    for (const key of Object.keys(value)) if (!columns.has(key)) columns.set(key, columns.size);
    objects.push({ line: index + 1, value: value as Record<string, unknown> });
  });
  return recordsToTable(objects, [...columns.keys()]);
}
