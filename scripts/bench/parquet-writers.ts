/**
 * CPU time per 10,000 event rows for the edge's Parquet writer (flechette -> parquet-wasm, ZSTD)
 * beside the other candidate, hyparquet-writer (pure JS; SNAPPY, as it has no ZSTD compressor).
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import * as parquetWasm from 'parquet-wasm/node';
import { EVENT_COLUMNS, type EventRow } from '@privacy-analytics/core/schema';
import { encodeEventsParquet, type ParquetWasm } from '@privacy-analytics/core/parquet';
import { demoEventRows } from '../harness';

export interface WriterResult {
  writer: string;
  codec: string;
  cpuMsPer10k: number;
  bytesPer10k: number;
}

const ROWS = 10_000;

/** `count` demo rows as the edge stores them (scrubbed, keyed hashing). */
export function demoRows(count: number): Promise<EventRow[]> {
  return demoEventRows({ count, seed: 7, start: new Date(Date.UTC(2026, 9, 1)), days: 30 });
}

function cpuMs(run: () => void, repeats: number): number {
  run(); // warm-up (wasm compile, JIT)
  const before = process.cpuUsage();
  for (let i = 0; i < repeats; i++) run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / repeats;
}

function hyparquetWrite(rows: readonly EventRow[], codec: 'SNAPPY' | 'UNCOMPRESSED'): ArrayBuffer {
  const typeOf = { string: 'STRING', timestamp: 'TIMESTAMP', float64: 'DOUBLE', int32: 'INT32' } as const;
  return parquetWriteBuffer({
    codec,
    columnData: EVENT_COLUMNS.map((c) => ({
      name: c.name,
      type: typeOf[c.kind],
      nullable: true,
      data: rows.map((r) => (c.kind === 'timestamp' ? new Date(r[c.name] as number) : r[c.name])),
    })),
  });
}

export async function benchParquetWriters(repeats = 5): Promise<WriterResult[]> {
  const rows = await demoRows(ROWS);
  const pq = parquetWasm as unknown as ParquetWasm;
  const results: WriterResult[] = [];
  let size = 0;
  results.push({ writer: 'parquet-wasm (flechette Arrow IPC)', codec: 'ZSTD', cpuMsPer10k: cpuMs(() => (size = encodeEventsParquet(rows, pq).byteLength), repeats), bytesPer10k: 0 });
  results[results.length - 1]!.bytesPer10k = size;
  for (const codec of ['SNAPPY', 'UNCOMPRESSED'] as const) {
    results.push({ writer: 'hyparquet-writer', codec, cpuMsPer10k: cpuMs(() => (size = hyparquetWrite(rows, codec).byteLength), repeats), bytesPer10k: 0 });
    results[results.length - 1]!.bytesPer10k = size;
  }
  return results;
}
