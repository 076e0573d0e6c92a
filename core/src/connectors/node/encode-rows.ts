import * as parquetWasm from 'parquet-wasm/node';
import { encodeEventsParquet, type ParquetWasm } from '../../parquet/parquet-writer';
import type { EventRow } from '../../schema/event-columns';

/** Event rows as Parquet through the edge's writer (the one Parquet writer of the product), in Node. */
export function encodeRows(rows: readonly EventRow[]): Uint8Array {
  return encodeEventsParquet(rows, parquetWasm as unknown as ParquetWasm);
}
