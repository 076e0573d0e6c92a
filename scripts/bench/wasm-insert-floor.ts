/**
 * Issue 18's floor for the cold load: DuckDB-Wasm's own insert of the layout's rows, with nothing else around it. The
 * dashboard's build (eh, blocking bindings in Node), the files decoded to Arrow IPC beforehand (parquet-wasm, not
 * timed), inserted as the dashboard does it: tables of whole row groups (files under 122,880 rows together), one
 * transaction each, then a CHECKPOINT. `memory`: an in-memory database (no compression, no file); `file`: a database
 * file in the warehouse's storage format (empty-database.ts). No page, engine start, download or decode is timed, so
 * no dashboard load can be faster than this on the same machine.
 *
 *   npx tsx scripts/bench/wasm-insert-floor.ts <events> <memory|file>   → prints {"rows":…,"ms":…}
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as parquet from 'parquet-wasm/node';
import { emptyDatabaseFile } from '@privacy-analytics/web/warehouse-format';
import { edgeLayoutDataset } from './edge-layout';

const ROW_GROUP_ROWS = 122_880;

export type FloorTarget = 'memory' | 'file';

/** Runs the measurement in a process of its own (its wasm heap goes with it); null when it failed. */
export function wasmInsertFloor(events: number, target: FloorTarget): { rows: number; ms: number } | null {
  const run = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, String(events), target], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as { rows: number; ms: number };
  } catch {
    console.error(`wasm-insert-floor ${events} ${target} failed: ${run.stderr.slice(-2000)}`);
    return null;
  }
}

async function main(): Promise<void> {
  const events = Number(process.argv[2] ?? 1_000_000);
  const target = (process.argv[3] ?? 'memory') as FloorTarget;
  const data = await edgeLayoutDataset({ events, days: 30 });
  // newest first, as a load reads them
  const files = [...data.files].sort((a, b) => b.key.localeCompare(a.key));
  const decoded = files.map((f) => ({ rows: f.rows, ipc: parquet.readParquet(readFileSync(join(data.objects, f.key))).intoIPCStream() }));
  const require = createRequire(import.meta.url);
  const duckdb = require('@duckdb/duckdb-wasm/blocking') as typeof import('@duckdb/duckdb-wasm/blocking');
  const bundles = {
    mvp: { mainModule: require.resolve('@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm'), mainWorker: '' },
    eh: { mainModule: require.resolve('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm'), mainWorker: '' },
  };
  const db = await duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
  await db.instantiate(() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'pa-insert-floor-'));
  try {
    const path = join(dir, 'warehouse.duckdb');
    if (target === 'file') writeFileSync(path, emptyDatabaseFile());
    db.open({ path: target === 'file' ? path : ':memory:', accessMode: 3 /* READ_WRITE */ });
    const conn = db.connect();
    const groups: Uint8Array[][] = [];
    let group: Uint8Array[] = [];
    let rows = 0;
    for (const d of decoded) {
      if (d.rows === 0) continue;
      group.push(d.ipc);
      rows += d.rows;
      if (rows >= ROW_GROUP_ROWS) {
        groups.push(group);
        group = [];
        rows = 0;
      }
    }
    if (group.length > 0) groups.push(group);
    const started = performance.now();
    groups.forEach((streams, i) => {
      conn.query('BEGIN TRANSACTION');
      streams.forEach((ipc, j) => conn.insertArrowFromIPCStream(ipc, { name: `pa_f_${i}`, create: j === 0 }));
      conn.query('COMMIT');
    });
    conn.query('CHECKPOINT');
    const ms = performance.now() - started;
    const [count] = conn.query(`SELECT (${groups.map((_, i) => `(SELECT count(*) FROM pa_f_${i})`).join(' + ')})::BIGINT AS n`).toArray();
    console.log(JSON.stringify({ rows: Number(count!.n), ms: Math.round(ms) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('wasm-insert-floor.ts')) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
