/**
 * A file too large for one import, cut into parts that each fit (docs/imports.md): CSV records re-written with the
 * header on top of every part, NDJSON by lines. Rows of one order (same order id, one after another) stay in one part,
 * so that no order is cut in two (the edge would refuse its second half as an order imported before). Each part
 * remembers the line in the original file of each of its own lines, so the edge's report names the file's lines.
 */
import { parseCsv, resolveMapping, TableMappingError, type ColumnMapping, type ImportKind } from '@privacy-analytics/core/imports';

export interface ImportPart {
  text: string;
  rows: number;
  /** line in the part → line in the file */
  lineOf(partLine: number): number;
}

/** Limits a bit under the edge's (MAX_IMPORT_BYTES 16 MiB, MAX_IMPORT_ROWS 100,000), so a part never meets them. */
export const PART_MAX_BYTES = 12 * 1024 * 1024;
export const PART_MAX_ROWS = 90_000;

export function splitIntoParts(text: string, kind: ImportKind, mapping: ColumnMapping, limits = { bytes: PART_MAX_BYTES, rows: PART_MAX_ROWS }): ImportPart[] {
  const trimmed = text.trimStart();
  return trimmed.startsWith('{') ? splitNdjson(text, limits) : splitCsv(text, kind, mapping, limits);
}

function splitNdjson(text: string, limits: { bytes: number; rows: number }): ImportPart[] {
  const parts: ImportPart[] = [];
  let lines: string[] = [];
  let origin: number[] = [];
  let bytes = 0;
  const close = () => {
    if (lines.length === 0) return;
    const own = origin;
    parts.push({ text: `${lines.join('\n')}\n`, rows: lines.length, lineOf: (line) => own[line - 1] ?? line });
    lines = [];
    origin = [];
    bytes = 0;
  };
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const size = Buffer.byteLength(line) + 1;
    if (lines.length >= limits.rows || (lines.length > 0 && bytes + size > limits.bytes)) close();
    lines.push(line);
    origin.push(index + 1);
    bytes += size;
  });
  close();
  return parts;
}

const quote = (field: string, delimiter: string) => (field.includes('"') || field.includes(delimiter) || /[\r\n]/.test(field) || field !== field.trim() ? `"${field.replace(/"/g, '""')}"` : field);

function splitCsv(text: string, kind: ImportKind, mapping: ColumnMapping, limits: { bytes: number; rows: number }): ImportPart[] {
  const records = parseCsv(text, 'the file');
  const [header, ...rows] = records;
  if (!header) return [];
  const delimiter = ',';
  const headerLine = header.fields.map((f) => quote(f, delimiter)).join(delimiter);
  let orderColumn = -1;
  if (kind === 'orders') {
    try {
      const { phone: _p, email: _e, ...orderMapping } = mapping;
      const order = resolveMapping('orders', header.fields.map((f) => f.trim()), orderMapping).mapping.order;
      orderColumn = order === undefined ? -1 : header.fields.findIndex((f) => f.trim() === order);
    } catch (error) {
      // The edge names a bad mapping better; the file is then cut without regard to orders.
      if (!(error instanceof TableMappingError)) throw error;
    }
  }
  const parts: ImportPart[] = [];
  let lines: string[] = [];
  let origin: number[] = [header.line];
  let bytes = 0;
  let rowCount = 0;
  let lastOrder: string | null = null;
  const close = () => {
    if (rowCount === 0) return;
    const own = origin;
    parts.push({ text: `${[headerLine, ...lines].join('\n')}\n`, rows: rowCount, lineOf: (line) => own[line - 1] ?? line });
    lines = [];
    origin = [header.line];
    bytes = 0;
    rowCount = 0;
  };
  for (const row of rows) {
    const line = row.fields.map((f) => quote(f, delimiter)).join(delimiter);
    const size = Buffer.byteLength(line) + 1;
    const order = orderColumn >= 0 ? (row.fields[orderColumn] ?? '').trim() : null;
    const full = rowCount >= limits.rows || (rowCount > 0 && bytes + size > limits.bytes);
    if (full && (order === null || order !== lastOrder)) close();
    lines.push(line);
    // A record with line breaks inside quotes takes several lines of the part; each maps to where the record starts.
    for (let i = 0; i < line.split('\n').length; i++) origin.push(row.line);
    bytes += size;
    rowCount++;
    lastOrder = order;
  }
  close();
  return parts;
}
