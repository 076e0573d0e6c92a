import { DataType, Schema, Table, tableFromIPC, tableToIPC, type Field } from 'apache-arrow';
import initParquetWasm, { ParquetFile, readParquet, readSchema, type Table as WasmTable } from 'parquet-wasm/esm';
import { joinIpcStreams, splitIpcStream } from './arrow-ipc';
import type { ColumnKind, ColumnSpec } from '@privacy-analytics/core/schema';
import { errorMessage } from '../../engine/errors';
import { cellText, plainValue } from '@privacy-analytics/core/imports';
import { isParquetFile } from '@privacy-analytics/core/parquet';

/** Rows per Arrow record batch handed to DuckDB (the edge writes row groups of 64 Ki rows). */
const BATCH_ROWS = 64 * 1024;

type WasmSource = string | URL | BufferSource;

let source: Promise<WasmSource> | null = null;
let ready: Promise<void> | null = null;

/**
 * Downloads parquet-wasm from `url` (our origin, never a CDN) now, so that later decodes need no network (local
 * files open offline), and instantiates it on the first decode: that holds the worker's thread for most of a
 * second, and a page's first load has the manifest or the cache's index to read before it has a file to decode.
 */
export function prefetchParquetWasm(url: string): void {
  source = fetch(url).then(async (response) => {
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
    return response.arrayBuffer();
  });
  source.catch(() => undefined);
}

/** parquet-wasm's bytes as prefetchParquetWasm downloaded them (for decode workers: see DecodePool). */
export async function parquetWasmBytes(): Promise<ArrayBuffer> {
  if (source === null) throw new Error('parquet-wasm: no module given (call prefetchParquetWasm first)');
  const module = await source;
  if (module instanceof ArrayBuffer) return module;
  throw new Error('parquet-wasm: the module was not downloaded as bytes');
}

/** Instantiates parquet-wasm now: from `wasm` (bytes in tests) or what prefetchParquetWasm got; safe to call more than once. */
export function initParquet(wasm?: WasmSource): Promise<void> {
  if (wasm !== undefined) source ??= Promise.resolve(wasm);
  if (!ready) {
    if (source === null) return Promise.reject(new Error('parquet-wasm: no module given (call prefetchParquetWasm first)'));
    ready = source.then((module) => initParquetWasm({ module_or_path: module })).then(
      () => undefined,
      (error: unknown) => {
        throw new Error(`parquet-wasm could not load: ${errorMessage(error)}`, { cause: error });
      },
    );
  }
  return ready;
}

/** A file that cannot be used: not Parquet, damaged, or not in the event schema. The message says which. */
export class ParquetFileError extends Error {
  override name = 'ParquetFileError';
}

export interface DecodedEvents {
  /** Arrow IPC stream with exactly the requested columns */
  ipc: Uint8Array;
  rows: number;
  /** true when the IPC columns are in the table's order, so DuckDB can append it without a staging table */
  tableOrder: boolean;
  /** column names in IPC order */
  names: string[];
  /** can be spliced with other files' streams into one insert (table order, no dictionary columns) */
  spliceable: boolean;
}

/**
 * Decodes one Parquet file of events to Arrow, reading only `columns`. The file's schema is checked first, so
 * a wrong file fails with the missing or mistyped columns named, before any data is decoded.
 */
export async function decodeEventsParquet(bytes: Uint8Array, columns: readonly ColumnSpec[], label: string): Promise<DecodedEvents> {
  await initParquet();
  if (!isParquetFile(bytes)) {
    throw new ParquetFileError(`${label}: not a Parquet file (${bytes.byteLength} bytes, no PAR1 marker at start and end)`);
  }
  let schema: Schema;
  try {
    schema = tableFromIPC(readSchema(bytes).intoIPCStream()).schema;
  } catch (error) {
    throw new ParquetFileError(`${label}: damaged Parquet footer: ${errorMessage(error)}`, { cause: error });
  }
  checkSchema(schema.fields, columns, label);
  const wanted = new Set(columns.map((c) => c.name));
  // a column projection comes out in the file's column order
  const selected = schema.fields.filter((f) => wanted.has(f.name));
  const names = selected.map((f) => f.name);
  const hasDictionaries = selected.some((f) => DataType.isDictionary(f.type));
  let ipc: Uint8Array;
  let rows: number;
  try {
    if (selected.length < schema.fields.length && !hasDictionaries) {
      ({ ipc, rows } = await readProjected(bytes, new Schema(selected, schema.metadata)));
    } else {
      const table = readParquet(bytes, { batchSize: BATCH_ROWS });
      rows = countRows(table);
      ipc = table.intoIPCStream();
    }
  } catch (error) {
    throw new ParquetFileError(`${label}: damaged Parquet data: ${errorMessage(error)}`, { cause: error });
  }
  const tableOrder = names.length === columns.length && names.every((name, i) => name === columns[i]!.name);
  return { ipc, rows, tableOrder, names, spliceable: tableOrder && !hasDictionaries };
}

/**
 * Reads only the columns of `projected`. parquet-wasm 0.7's readParquet ignores its `columns` option, and its
 * async reader decodes just the projected columns but labels them with the file's full schema; so the stream's
 * schema message is replaced with one for the projected columns (same fields, as arrow-rs read them).
 */
async function readProjected(bytes: Uint8Array, projected: Schema): Promise<{ ipc: Uint8Array; rows: number }> {
  const file = await ParquetFile.fromFile(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  let table: WasmTable;
  try {
    table = await file.read({ columns: projected.fields.map((f) => f.name), batchSize: BATCH_ROWS });
  } finally {
    file.free();
  }
  const rows = countRows(table);
  const schemaMessage = splitIpcStream(tableToIPC(new Table(projected), 'stream')).schema;
  return { ipc: joinIpcStreams(schemaMessage, [splitIpcStream(table.intoIPCStream()).batches]), rows };
}

function countRows(table: WasmTable): number {
  let rows = 0;
  for (let i = 0; i < table.numBatches; i++) {
    const batch = table.recordBatch(i);
    if (batch) {
      rows += batch.numRows;
      batch.free();
    }
  }
  return rows;
}


const COMPATIBLE: Record<ColumnKind, (type: DataType) => boolean> = {
  string: (t) => DataType.isUtf8(t) || DataType.isLargeUtf8(t) || (DataType.isDictionary(t) && (DataType.isUtf8(t.dictionary) || DataType.isLargeUtf8(t.dictionary))),
  timestamp: (t) => DataType.isTimestamp(t) || DataType.isDate(t),
  float64: (t) => DataType.isFloat(t) || DataType.isInt(t) || DataType.isDecimal(t),
  int32: (t) => DataType.isInt(t),
};

/**
 * Throws a ParquetFileError naming every missing column and every column of an incompatible type. A column of
 * Arrow type Null (all values null) fits any kind.
 */
export function checkSchema(fields: readonly Field[], columns: readonly ColumnSpec[], label: string): void {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const missing = columns.filter((c) => !byName.has(c.name)).map((c) => c.name);
  const fits = (c: ColumnSpec) => {
    const type = byName.get(c.name)!.type;
    return DataType.isNull(type) || COMPATIBLE[c.kind](type);
  };
  const mistyped = columns
    .filter((c) => byName.has(c.name) && !fits(c))
    .map((c) => `${c.name} is ${String(byName.get(c.name)!.type)}, expected ${c.kind}`);
  if (missing.length === 0 && mistyped.length === 0) return;
  const problems = [
    missing.length > 0 ? `missing columns ${missing.slice(0, 12).join(', ')}${missing.length > 12 ? ` and ${missing.length - 12} more` : ''}` : '',
    ...mistyped.slice(0, 6),
  ].filter(Boolean);
  const has = fields.slice(0, 12).map((f) => f.name).join(', ') + (fields.length > 12 ? ', …' : '');
  throw new ParquetFileError(`${label}: not in the event schema: ${problems.join('; ')} (the file has: ${has || 'no columns'})`);
}

/**
 * The columns and first `rows` rows of any Parquet file as text (an import's preview): the same text the edge makes of
 * them (core recordsToTable: int64 as digits, timestamps and dates as epoch ms, nested values as JSON).
 */
export async function previewParquetTable(bytes: Uint8Array, rows: number, label: string): Promise<{ columns: string[]; rows: string[][] }> {
  await initParquet();
  if (!isParquetFile(bytes)) {
    throw new ParquetFileError(`${label}: not a Parquet file (${bytes.byteLength} bytes, no PAR1 marker at start and end)`);
  }
  let table: Table;
  try {
    table = tableFromIPC(readParquet(bytes, { batchSize: Math.max(1, rows) }).intoIPCStream());
  } catch (error) {
    throw new ParquetFileError(`${label}: the Parquet file cannot be read: ${errorMessage(error)}`, { cause: error });
  }
  const columns = table.schema.fields.map((f) => f.name);
  const out: string[][] = [];
  for (let i = 0; i < Math.min(rows, table.numRows); i++) {
    const row = table.get(i);
    out.push(columns.map((c) => cellText(plainValue(row?.[c]))));
  }
  return { columns, rows: out };
}
