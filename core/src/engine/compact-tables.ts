/**
 * DuckDB keeps freshly inserted rows of an in-memory table uncompressed until a checkpoint compresses them. Measured
 * on 1M demo events in DuckDB-Wasm: 676 MB before `CHECKPOINT`, 69 MB after (3.7 s to compress; queries about as
 * fast after as before). DuckDB-Wasm's heap is 4 GB (wasm32), so without it about 4.8M events fit; with it tens of
 * millions. The loaders call compactIfLarge after each insert: below the threshold nothing happens (no cost for
 * ordinary loads), above it the tables are compressed.
 */
import type { Row } from './query-engine';

/** In-memory tables larger than this are compressed. */
export const COMPACT_ABOVE_BYTES = 1024 ** 3;

const TABLE_MEMORY_SQL = `SELECT coalesce(sum(memory_usage_bytes), 0)::DOUBLE AS bytes FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'`;

/**
 * Runs CHECKPOINT when in-memory tables hold more than `aboveBytes`; returns whether it did. Best effort: a
 * checkpoint DuckDB refuses (another transaction open) is skipped and tried again at the next call.
 */
export async function compactIfLarge(run: (sql: string) => Promise<Row[]>, aboveBytes = COMPACT_ABOVE_BYTES): Promise<boolean> {
  const [row] = await run(TABLE_MEMORY_SQL);
  if (Number(row?.bytes ?? 0) <= aboveBytes) return false;
  try {
    await run('CHECKPOINT');
    return true;
  } catch {
    return false;
  }
}
