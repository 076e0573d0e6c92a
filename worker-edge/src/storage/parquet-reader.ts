import { tableFromIPC } from '@uwdata/flechette';
import * as parquetWasm from 'parquet-wasm/esm/parquet_wasm.js';
import type { ColumnName, EventRow } from '@privacy-analytics/core/schema';
import { parquetForWorkers } from './parquet-wasm-workers';
import { ROW_GROUP_SIZE } from '@privacy-analytics/core/parquet';

/** One Arrow batch per row group: the upstream default of 1,024 rows makes decoding several times slower. */
const READ_BATCH_ROWS = ROW_GROUP_SIZE;

export class ParquetReadError extends Error {
  override name = 'ParquetReadError';
}

/** Decodes an event file written by encodeEventsParquet back into rows (timestamps as epoch ms). */
export function decodeStoredEvents(bytes: Uint8Array, key: string): EventRow[] {
  return decode(bytes, key, undefined) as EventRow[];
}

/** Reads only the named columns, e.g. the identifiers when looking for a person. */
export function decodeEventColumns<C extends ColumnName>(bytes: Uint8Array, key: string, columns: readonly C[]): Pick<EventRow, C>[] {
  return decode(bytes, key, columns) as Pick<EventRow, C>[];
}

/** Any Parquet file's columns and rows (an import): numbers for int64, timestamps and dates (epoch ms). */
export function decodeParquetRecords(bytes: Uint8Array): { names: string[]; rows: Record<string, unknown>[] } {
  parquetForWorkers();
  const table = tableFromIPC(parquetWasm.readParquet(bytes, { batchSize: READ_BATCH_ROWS }).intoIPCStream(), { useDate: false, useBigInt: false });
  return { names: table.names.slice(), rows: table.toArray() as Record<string, unknown>[] };
}

function decode(bytes: Uint8Array, key: string, columns: readonly string[] | undefined): unknown[] {
  parquetForWorkers();
  try {
    const table = parquetWasm.readParquet(bytes, { batchSize: READ_BATCH_ROWS, ...(columns ? { columns: [...columns] } : {}) });
    return tableFromIPC(table.intoIPCStream(), { useDate: false, useBigInt: false }).toArray();
  } catch (cause) {
    throw new ParquetReadError(`could not decode Parquet file "${key}" (${bytes.byteLength} bytes): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
