/**
 * The first rows of a file about to be imported, read in the browser for the preview and the column suggestions
 * (the edge reads the whole file again and is the judge). CSV (delimiter detected), NDJSON or Parquet (decoded in the
 * data worker); gzip is not previewed.
 */
import { CsvError, IMPORT_KINDS, parseCsv, type ImportKind } from '@privacy-analytics/core/imports';

export const PREVIEW_BYTES = 256 * 1024;
export const PREVIEW_ROWS = 10;
/** What the edge accepts in one request (docs/imports.md). */
export const MAX_IMPORT_FILE_BYTES = 16 * 1024 * 1024;

export interface FilePreview {
  format: 'csv' | 'ndjson' | 'parquet';
  columns: string[];
  rows: string[][];
}

/** A Parquet file: "PAR1" at its start and its end. */
export async function isParquetFile(file: Blob): Promise<boolean> {
  if (file.size < 12) return false;
  const ends = new Uint8Array(await new Blob([file.slice(0, 4), file.slice(file.size - 4)]).arrayBuffer());
  return new TextDecoder().decode(ends) === 'PAR1PAR1';
}

export class PreviewError extends Error {
  override name = 'PreviewError';
}

/** Parses the start of a file (a cut last line is dropped). */
export function previewText(text: string, name: string): FilePreview {
  const complete = text.length >= PREVIEW_BYTES ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
  const trimmed = complete.replace(/^\uFEFF/, '').trimStart();
  if (/\.(nd)?jsonl?$/i.test(name) || trimmed.startsWith('{')) return ndjsonPreview(trimmed, name);
  let records;
  try {
    records = parseCsv(complete, name).slice(0, PREVIEW_ROWS + 1);
  } catch (error) {
    throw new PreviewError(error instanceof CsvError ? error.message : String(error));
  }
  const [header, ...rows] = records;
  if (!header) throw new PreviewError(`${name}: the file is empty`);
  return { format: 'csv', columns: header.fields.map((f) => f.trim()), rows: rows.map((r) => r.fields) };
}

function ndjsonPreview(text: string, name: string): FilePreview {
  const objects: Record<string, unknown>[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    if (objects.length > PREVIEW_ROWS) break;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new PreviewError(`${name} line ${i + 1}: not JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new PreviewError(`${name} line ${i + 1}: not a JSON object`);
    objects.push(value as Record<string, unknown>);
  }
  const columns = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return { format: 'ndjson', columns, rows: objects.slice(0, PREVIEW_ROWS).map((o) => columns.map((c) => cell(o[c]))) };
}

/** The kind a header most likely holds: ad reports have spend or impressions, member lists no order time. */
export function guessImportKind(columns: readonly string[]): ImportKind {
  const names = new Set(columns.map((c) => c.trim().toLowerCase().replace(/[\s_\-.]+/g, '')));
  if (['spend', 'cost', 'impressions', 'clicks', 'amountspent'].some((n) => names.has(n))) return 'ad_spend';
  const ordered = ['orderid', 'orderdate', 'ordertime', 'invoiceno', 'quantity', 'qty', 'sku', 'unitprice', 'revenue'].some((n) => names.has(n));
  if (!ordered && ['memberid', 'phone', 'email', 'registeredat', 'tier'].some((n) => names.has(n))) return 'customers';
  return IMPORT_KINDS[0];
}
