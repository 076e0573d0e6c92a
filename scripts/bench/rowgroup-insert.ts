/**
 * Issue 18 probe: is a cold load's insert time DuckDB writing rows through its write-ahead log, and does filling whole
 * row groups (122,880 rows) per table and transaction avoid it? DuckDB-Wasm (Node, blocking bindings: the dashboard's
 * engine build) with a database FILE, the 1M layout's event files decoded to Arrow IPC beforehand, inserted as:
 *   per-file   one table per file, one auto-committed insert each (the daily files' shape before this change)
 *   grouped    consecutive files into tables of up to GROUP rows, one transaction per table
 * Times the inserts and the final CHECKPOINT.
 *
 *   npx tsx scripts/bench/rowgroup-insert.ts [per-file|grouped|grouped-autocommit] [groupRows]
 *
 * Settings to compare (environment): MEM=1 (no file: the Arrow scan and append alone), PRE_SQL="…;; …" (statements
 * run first, e.g. `ATTACH '/tmp/w.duckdb' AS w (STORAGE_VERSION 'v1.3.0');; USE w` for another storage format, with
 * MEM=1 so the main database is not a file), COMPRESS="event_id=uncompressed,*VARCHAR=fsst" (DuckDB's per-column
 * USING COMPRESSION; the tables are then created from the files' schema). Prints the file's size too.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import * as parquet from 'parquet-wasm/node';
import { edgeLayoutDataset } from './edge-layout';

const require = createRequire(import.meta.url);
type Blocking = typeof import('@duckdb/duckdb-wasm/blocking');

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'per-file';
  const groupRows = Number(process.argv[3] ?? 256 * 1024);
  const data = await edgeLayoutDataset({ events: Number(process.env.EVENTS ?? 1_000_000), days: 30, log: () => undefined });
  const files = [...data.files].sort((a, b) => b.key.localeCompare(a.key));
  const decoded = files.map((f) => ({ rows: f.rows, ipc: parquet.readParquet(readFileSync(join(data.objects, f.key))).intoIPCStream() }));
  const duckdb = require('@duckdb/duckdb-wasm/blocking') as Blocking;
  const bundles = {
    mvp: { mainModule: require.resolve('@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm'), mainWorker: '' },
    eh: { mainModule: require.resolve('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm'), mainWorker: '' },
  };
  const db = await duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
  await db.instantiate(() => {});
  const dir = mkdtempSync(join(tmpdir(), 'pa-rowgroup-'));
  db.open({ path: process.env.MEM ? ':memory:' : join(dir, 'w.duckdb'), accessMode: 3 /* READ_WRITE */ });
  const conn = db.connect();
  // settings to compare, e.g. PRE_SQL="SET force_compression='uncompressed'" (statements separated by ;;)
  for (const statement of (process.env.PRE_SQL ?? '').split(';;').map((x) => x.trim()).filter(Boolean)) conn.query(statement);
  const rows = decoded.reduce((n, d) => n + d.rows, 0);
  // per-column compression, e.g. COMPRESS="event_id=uncompressed,properties=fsst" (DuckDB's USING COMPRESSION): the
  // tables are then created from the files' schema with those columns' method fixed, and appended to
  const compress = new Map((process.env.COMPRESS ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
  let ddl = '';
  if (compress.size) {
    conn.insertArrowFromIPCStream(decoded[0]!.ipc, { name: 'schema_probe', create: true });
    const cols = conn.query(`SELECT column_name AS n, data_type AS t FROM information_schema.columns WHERE table_name = 'schema_probe' ORDER BY ordinal_position`).toArray() as { n: string; t: string }[];
    conn.query('DROP TABLE schema_probe');
    ddl = cols.map((c) => `"${c.n}" ${c.t}${compress.has(c.n) ? ` USING COMPRESSION ${compress.get(c.n)}` : compress.has('*' + c.t) ? ` USING COMPRESSION ${compress.get('*' + c.t)}` : ''}`).join(', ');
  }
  const groups: (typeof decoded)[] = [];
  if (mode === 'per-file') for (const d of decoded) groups.push([d]);
  else {
    let group: typeof decoded = [];
    let n = 0;
    for (const d of decoded) {
      if (group.length > 0 && n + d.rows > groupRows) { groups.push(group); group = []; n = 0; }
      group.push(d); n += d.rows;
    }
    if (group.length) groups.push(group);
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let t = 0;
  for (const [i, group] of groups.entries()) {
    const name = `pa_f_${i}`;
    if (mode === 'grouped') conn.query('BEGIN TRANSACTION');
    if (ddl) conn.query(`CREATE TABLE ${name} (${ddl})`);
    group.forEach((d, j) => conn.insertArrowFromIPCStream(d.ipc, { name, create: !ddl && j === 0 }));
    if (mode === 'grouped') conn.query('COMMIT');
  }
  const inserted = performance.now() - t0;
  t = performance.now();
  conn.query('CHECKPOINT');
  const checkpoint = performance.now() - t;
  const total = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const fileBytes = process.env.MEM ? 0 : statSync(join(dir, 'w.duckdb')).size;
  console.log(JSON.stringify({ fileMiB: Math.round(fileBytes / 1048576) }));
  const [size] = conn.query(`SELECT count(*)::INTEGER AS n FROM duckdb_tables()`).toArray();
  console.log(JSON.stringify({ mode, groupRows: mode === 'per-file' ? null : groupRows, tables: groups.length, tableCount: Number(size!.n), rows, insertMs: Math.round(inserted), checkpointMs: Math.round(checkpoint), totalMs: Math.round(total), cpuMs: Math.round((cpu.user + cpu.system) / 1000), cpuRowsPerS: Math.round(rows / ((cpu.user + cpu.system) / 1e6)), rowsPerS: Math.round(rows / (total / 1000)) }));
  if (process.env.QUERY) {
    // the cost of showing part of a table: the same rows read whole, or cut to its first half by rowid (the `events`
    // view of a range that cuts through a table of several days)
    const half = Math.floor(groups[0]!.reduce((n, d) => n + d.rows, 0) / 2);
    const q = (from: string) => `SELECT count(*), count(DISTINCT anonymous_id), count(DISTINCT session_id) FROM ${from}`;
    const time = (sql: string) => { const t1 = performance.now(); for (let k = 0; k < 5; k++) conn.query(sql); return Math.round((performance.now() - t1) / 5); };
    const whole = `(SELECT * FROM pa_f_0 LIMIT ${half})`;
    console.log(JSON.stringify({ halfRows: half, wholeTableMs: time(q('pa_f_0')), firstHalfByLimitMs: time(q(whole)), firstHalfByRowidMs: time(q(`(SELECT * FROM pa_f_0 WHERE (rowid >= 0 AND rowid < ${half}))`)), secondHalfByRowidMs: time(q(`(SELECT * FROM pa_f_0 WHERE (rowid >= ${half} AND rowid < ${2 * half}))`)) }));
  }
  db.reset();
  rmSync(dir, { recursive: true, force: true });
}

void main();
