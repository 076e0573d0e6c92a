/**
 * Sends a file to POST /v1/sites/<site>/imports, gzip-compressed, as one import or in parts (split-parts.ts), and
 * gathers the edge's answers. A part refused (4xx) stops the run: the parts before it stay imported (each part is an
 * import of its own, withdrawable on its own) and sending the same command again skips them (the edge answers a repeated
 * upload with its earlier result).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { importAnswerSchema, type ImportAnswer } from '@privacy-analytics/core/edge-api';
import { parseMappingText, plainValue, type ColumnMapping } from '@privacy-analytics/core/imports';
import { isParquetFile } from '@privacy-analytics/core/parquet';
import type { ImportOptions } from './args';
import { PART_MAX_BYTES, PART_MAX_ROWS, splitIntoParts, type ImportPart } from './split-parts';

export class ImportRefused extends Error {
  override name = 'ImportRefused';
  constructor(
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface PartResult {
  part: number;
  answer: ImportAnswer;
  lineOf: (line: number) => number;
}

/**
 * The file as text: gunzipped when it is gzip; a Parquet file (by its magic bytes) as NDJSON, one object per row, so it
 * is cut into parts like any other file (the edge reads a Parquet body too, up to one part's size).
 */
export async function readImportFile(path: string): Promise<string> {
  let bytes: Uint8Array = await readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  if (isParquetFile(bytes)) return parquetAsNdjson(bytes, path);
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** Rows as NDJSON: int64 as numbers when exact (else text), timestamps and dates as epoch ms, as the edge reads them. */
function parquetAsNdjson(bytes: Uint8Array, path: string): string {
  let table;
  try {
    table = tableFromIPC(parquet.readParquet(bytes, { batchSize: 64 * 1024 }).intoIPCStream());
  } catch (cause) {
    throw new Error(`${path}: not a readable Parquet file: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const names = table.schema.fields.map((f) => f.name);
  const lines: string[] = [];
  for (const row of table) {
    const record: Record<string, unknown> = {};
    for (const name of names) record[name] = plainValue(row?.[name]);
    lines.push(JSON.stringify(record));
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function mappingOf(text: string | null): ColumnMapping {
  if (text === null) return {};
  return text.trim().startsWith('{') ? (JSON.parse(text) as ColumnMapping) : parseMappingText(text);
}

export async function sendImport(options: ImportOptions, text: string, log: (line: string) => void = () => undefined): Promise<PartResult[]> {
  const bytes = Buffer.byteLength(text);
  const roughRows = text.split('\n').length;
  const whole: ImportPart = { text, rows: roughRows - 1, lineOf: (line) => line };
  const parts = bytes <= PART_MAX_BYTES && roughRows <= PART_MAX_ROWS ? [whole] : splitIntoParts(text, options.kind, mappingOf(options.mapping));
  const baseId = options.importId ?? `sha-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
  if (parts.length > 1) log(`import: ${(bytes / 1e6).toFixed(1)} MB in ${parts.length} parts (imports ${baseId}-p01 …)`);
  const results: PartResult[] = [];
  for (const [index, part] of parts.entries()) {
    const importId = parts.length > 1 ? `${baseId}-p${String(index + 1).padStart(2, '0')}` : options.importId;
    const query = new URLSearchParams({ kind: options.kind });
    if (options.mapping !== null) query.set('mapping', options.mapping);
    if (importId !== null) query.set('importId', importId);
    if (options.maxRejectedShare !== null) query.set('maxRejectedShare', String(options.maxRejectedShare));
    const body = gzipSync(Buffer.from(part.text));
    const res = await postPart(`${options.edge}/v1/sites/${options.site}/imports?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': part.text.trimStart().startsWith('{') ? 'application/x-ndjson' : 'text/csv', 'content-encoding': 'gzip' },
      body,
    });
    const answerBody = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      const where = parts.length > 1 ? ` (part ${index + 1} of ${parts.length}; the ${index} before it are imported)` : '';
      throw new ImportRefused(`${res.status} ${String(answerBody.error ?? '')}: ${String(answerBody.message ?? 'no message')}${where}`, res.status, answerBody);
    }
    const answer = importAnswerSchema.parse(answerBody);
    results.push({ part: index + 1, answer, lineOf: part.lineOf });
    if (parts.length > 1) log(`import: part ${index + 1}/${parts.length} ${answer.repeated ? 'seen before' : 'imported'}: ${answer.import.rows.accepted} of ${answer.import.rows.total} rows`);
  }
  return results;
}

/**
 * A POST asked again (up to 3 times) when the connection fails before an answer: a pooled keep-alive connection the
 * server closed meanwhile fails the write (EPIPE). Safe because an import is idempotent: the same part under the same
 * id answers with its earlier result.
 */
async function postPart(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof TypeError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}
