/// <reference lib="webworker" />
/**
 * A decode worker: Parquet files of events to Arrow IPC with parquet-wasm, for the data worker's loads (DecodePool).
 * Decoding here keeps the data worker's thread free to pass DuckDB its inserts and answer its messages; decoded in the
 * data worker, a file held every DuckDB round trip that arrived meanwhile (issue 18).
 */
import * as Comlink from 'comlink';
import type { ColumnSpec } from '@privacy-analytics/core/schema';
import { installErrorTransfer } from '../../engine/errors';
import { decodeEventsParquet, initParquet, type DecodedEvents } from '../data/parquet-decoder';
import { ownBuffer } from '../data/sources';

installErrorTransfer();

export const decodeWorkerApi = {
  /** Instantiates parquet-wasm from its bytes (the data worker downloaded them from our origin), before the first file. */
  init(wasm: ArrayBuffer): void {
    void initParquet(wasm).catch(() => undefined); // a failure is the first decode's error
  },

  /** `ms`: the decode's own time in this worker (for the load's timeline) */
  async decode(bytes: Uint8Array, columns: readonly ColumnSpec[], label: string): Promise<{ decoded: DecodedEvents; bytes: Uint8Array; ms: number }> {
    const started = performance.now();
    const decoded = await decodeEventsParquet(bytes, columns, label);
    return Comlink.transfer({ decoded, bytes, ms: performance.now() - started }, [...ownBuffer(decoded.ipc), ...ownBuffer(bytes)]);
  },
};

export type DecodeWorkerApi = typeof decodeWorkerApi;

Comlink.expose(decodeWorkerApi);
