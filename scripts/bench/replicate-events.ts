/**
 * Larger benchmark data from a generated demo set: `copies` disjoint populations of the same events, each copy's ids
 * (events, anonymous and user ids, sessions, groups, orders) suffixed with its number, so persons, sessions and
 * orders never merge across copies. Same days, same behaviour per person, `copies` times the traffic. Written by
 * native DuckDB (ZSTD Parquet, 64 Ki-row row groups, as the edge writes), in seconds rather than the generator's
 * ~75 s per million events. `drop` leaves columns out of the copies (the stores read them as NULL).
 *
 *   const paths = await replicateEvents(files, 10, dir);  // 10 files per input file, one per copy
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { join } from 'node:path';

/** The columns that hold identifiers (see worker-edge/src/schema/event-columns.ts). */
const ID_COLUMNS = ['event_id', 'anonymous_id', 'user_id', 'previous_id', 'group_id', 'session_id', 'order_id'] as const;

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

export async function replicateEvents(files: readonly string[], copies: number, dir: string, options: { drop?: readonly string[] } = {}): Promise<string[]> {
  if (!Number.isInteger(copies) || copies < 1) throw new Error(`copies: expected a whole number from 1, got ${copies}`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const paths: string[] = [];
    for (let copy = 0; copy < copies; copy++) {
      const renamed = ID_COLUMNS.map((c) => `"${c}" || '~${copy}' AS "${c}"`).join(', ');
      const dropped = options.drop?.length ? ` EXCLUDE (${options.drop.map((c) => `"${c}"`).join(', ')})` : '';
      // one output file per input file and copy: files as small as the inputs, which DuckDB-Wasm loads one at a time
      for (const [i, file] of files.entries()) {
        const path = join(dir, `copy-${String(copy).padStart(3, '0')}-${String(i).padStart(4, '0')}.parquet`);
        await connection.run(`COPY (SELECT *${dropped} REPLACE (${renamed}) FROM read_parquet(${quote(file)})) TO ${quote(path)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536)`);
        paths.push(path);
      }
    }
    return paths;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
