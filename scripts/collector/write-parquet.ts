/**
 * Writes Segment messages as the edge would store them, without a collector: the edge's own
 * normaliser (validation, pseudonymisation, scrubbing) and Parquet writer, into a Hive-layout
 * folder `<dir>/events/site=<site>/date=<d>/hour=<h>/gen-<n>.parquet`. For benchmarks and offline demos.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as parquetWasm from 'parquet-wasm/node';
import { messagesToRows } from '@privacy-analytics/core/ingest';
import { HmacIdHasher } from '@privacy-analytics/core/privacy';
import type { EventRow } from '@privacy-analytics/core/schema';
import { encodeEventsParquet, eventFileKey, partitionOf, type ParquetWasm } from '@privacy-analytics/core/parquet';

export interface WriteParquetOptions {
  dir: string;
  site?: string;
  hashKey?: string;
  /** Rows held per partition before it is written out as one file. */
  rowsPerFile?: number;
  /**
   * Write every row into this one file under `dir` instead of hourly partitions (tests: the dashboard loads one
   * file much faster than hundreds of small ones). Holds all rows in memory.
   */
  oneFile?: string;
}

export interface WriteParquetSummary {
  rows: number;
  rejected: number;
  files: string[];
}

const MAX_BUFFERED_ROWS = 400_000;

export async function writeEventsAsParquet(messages: Iterable<object> | AsyncIterable<object>, options: WriteParquetOptions): Promise<WriteParquetSummary> {
  const site = options.site ?? 'demo';
  const rowsPerFile = options.rowsPerFile ?? 250_000;
  const hasher = new HmacIdHasher(options.hashKey ?? 'demo-hash-key-local-only-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G');
  const parquet = parquetWasm as unknown as ParquetWasm;
  const partitions = new Map<string, EventRow[]>();
  const fileCounts = new Map<string, number>();
  const summary: WriteParquetSummary = { rows: 0, rejected: 0, files: [] };
  let buffered = 0;

  const writePartition = (id: string) => {
    const rows = partitions.get(id);
    if (!rows?.length) return;
    rows.sort((a, b) => a.timestamp - b.timestamp);
    const n = (fileCounts.get(id) ?? 0) + 1;
    fileCounts.set(id, n);
    const key = options.oneFile ?? eventFileKey(site, partitionOf(rows[0]!.timestamp), `gen-${String(n).padStart(5, '0')}`);
    const path = join(options.dir, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, encodeEventsParquet(rows, parquet));
    summary.files.push(key);
    buffered -= rows.length;
    partitions.delete(id);
  };

  // Received half a second after the message's own time (or now), as if sent straight to the edge.
  const factsOf = (raw: Record<string, unknown>) => {
    const sentAt = Date.parse(String(raw.timestamp));
    return { receivedAt: (Number.isFinite(sentAt) ? sentAt : Date.now()) + 500, country: null, region: null, requestUserAgent: null };
  };
  for await (const outcome of messagesToRows(messages, factsOf, { site, hasher, queryParams: [], scrub: true })) {
    if (outcome.kind !== 'row') {
      summary.rejected++;
      continue;
    }
    const { date, hour } = partitionOf(outcome.row.timestamp);
    const id = options.oneFile === undefined ? `${date}/${hour}` : 'all';
    const rows = partitions.get(id) ?? [];
    rows.push(outcome.row);
    partitions.set(id, rows);
    buffered++;
    summary.rows++;
    if (options.oneFile !== undefined) continue;
    if (rows.length >= rowsPerFile) writePartition(id);
    if (buffered >= MAX_BUFFERED_ROWS) {
      const largest = [...partitions].sort((a, b) => b[1].length - a[1].length).slice(0, Math.ceil(partitions.size / 4));
      for (const [partitionId] of largest) writePartition(partitionId);
    }
  }
  for (const id of [...partitions.keys()]) writePartition(id);
  return summary;
}
