import { parseCsv, type TableRow } from '@privacy-analytics/core/imports';
import { HttpError } from '../http/http-error';

/** Bytes an import request may carry, before and after gzip; a larger file goes in several imports (docs/imports.md). */
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;
/** Data rows per import: parsing, normalising and encoding them fits a Worker's 128 MB. */
export const MAX_IMPORT_ROWS = 100_000;

export interface ImportTable {
  header: string[];
  rows: TableRow[];
}

/**
 * The request body as text: gzip when Content-Encoding says so or the bytes start with gzip's magic number (a .gz
 * file sent as it is), capped before and after decompression.
 */
export async function readImportBody(request: Request): Promise<{ text: string; bytes: Uint8Array }> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_IMPORT_BYTES) throw tooLarge(declared);
  if (!request.body) throw new HttpError(400, 'empty_body', 'send the file as the request body');
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') throw new HttpError(415, 'unsupported_encoding', `content-encoding "${encoding}" is not supported; use gzip or none`);
  let bytes = await readCapped(request.body, 'the body');
  if (encoding === 'gzip' || (bytes[0] === 0x1f && bytes[1] === 0x8b)) {
    bytes = await readCapped(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')), 'the gzip body');
  }
  if (bytes.byteLength === 0) throw new HttpError(400, 'empty_body', 'the file is empty');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HttpError(400, 'invalid_encoding', 'the file is not UTF-8 text (save it as CSV UTF-8)');
  }
  return { text, bytes };
}

async function readCapped(stream: ReadableStream<Uint8Array>, what: string): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      throw new HttpError(400, 'malformed_body', `could not read ${what}: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    if (chunk.done) break;
    total += chunk.value.byteLength;
    if (total > MAX_IMPORT_BYTES) {
      await reader.cancel();
      throw tooLarge(total);
    }
    chunks.push(chunk.value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function tooLarge(bytes: number): HttpError {
  return new HttpError(413, 'import_too_large', `${bytes} bytes exceed the ${MAX_IMPORT_BYTES} bytes an import may have; split the file (npm run import does) into several imports`);
}

export type ImportFormat = 'csv' | 'ndjson';

/** The format named by `format=`, else by the content type, else by the first character (`{`: NDJSON). */
export function importFormat(param: string | null, contentType: string | null, text: string): ImportFormat {
  if (param !== null) {
    if (param === 'csv' || param === 'ndjson') return param;
    if (param === 'parquet') throw new HttpError(415, 'unsupported_format', 'Parquet files are not imported yet; send CSV or NDJSON');
    throw new HttpError(400, 'invalid_parameter', `format: expected csv or ndjson, got "${param.slice(0, 20)}"`);
  }
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('parquet')) throw new HttpError(415, 'unsupported_format', 'Parquet files are not imported yet; send CSV or NDJSON');
  if (type.includes('ndjson') || type.includes('jsonl') || type.includes('json')) return 'ndjson';
  if (text.startsWith('PAR1')) throw new HttpError(415, 'unsupported_format', 'Parquet files are not imported yet; send CSV or NDJSON');
  return text.trimStart().startsWith('{') ? 'ndjson' : 'csv';
}

/** The file as a header and data rows, numbered by their line in the file (a CSV's header is line 1). */
export function parseImportTable(text: string, format: ImportFormat): ImportTable {
  const table = format === 'csv' ? csvTable(text) : ndjsonTable(text);
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
  const header = [...columns.keys()];
  const rows = objects.map(({ line, value }) => ({
    line,
    fields: header.map((key) => {
      const v = value[key];
      return v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }),
  }));
  return { header, rows };
}
