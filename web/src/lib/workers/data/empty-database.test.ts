import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WAREHOUSE_STORAGE_VERSION } from './duckdb-session';
import { emptyDatabaseFile } from './empty-database';

const require = createRequire(import.meta.url);

/** DuckDB-Wasm (the dashboard's version, blocking bindings in Node) with an in-memory main database. */
async function duckdbWasm() {
  const duckdb = require('@duckdb/duckdb-wasm/blocking') as typeof import('@duckdb/duckdb-wasm/blocking');
  const bundles = {
    mvp: { mainModule: require.resolve('@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm'), mainWorker: '' },
    eh: { mainModule: require.resolve('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm'), mainWorker: '' },
  };
  const db = await duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
  await db.instantiate(() => undefined);
  db.open({ path: ':memory:', accessMode: duckdb.DuckDBAccessMode.READ_WRITE });
  return { db, conn: db.connect() };
}

describe('the empty warehouse file', () => {
  it('is the file DuckDB-Wasm writes for a new database in the warehouse storage format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pa-empty-db-'));
    const { db, conn } = await duckdbWasm();
    try {
      const path = join(dir, 'new.duckdb');
      conn.query(`ATTACH '${path}' AS fresh (STORAGE_VERSION '${WAREHOUSE_STORAGE_VERSION}')`);
      conn.query('DETACH fresh');
      expect(Buffer.from(emptyDatabaseFile()).equals(readFileSync(path))).toBe(true);
    } finally {
      db.reset();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('attaches as an empty database of that format and compresses strings with DICT_FSST', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pa-empty-db-'));
    const { db, conn } = await duckdbWasm();
    try {
      const path = join(dir, 'w.duckdb');
      writeFileSync(path, emptyDatabaseFile());
      conn.query(`ATTACH '${path}' AS w`);
      const tags = conn.query(`SELECT tags['storage_version'] AS v FROM duckdb_databases() WHERE database_name = 'w'`).toArray()[0]!.v;
      expect(String(tags)).toBe(`${WAREHOUSE_STORAGE_VERSION}+`);
      expect(conn.query(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE database_name = 'w'`).toArray()[0]!.n).toBe(0);
      conn.query(`CREATE TABLE w.t AS SELECT range AS x, 'value ' || (range % 7) AS s FROM range(200000)`);
      conn.query('CHECKPOINT w');
      // (kept across a browser restart: web/test/engine/warehouse.test.ts, in Chromium's OPFS)
      const row = conn.query(`SELECT count(*)::INTEGER AS n, count(DISTINCT s)::INTEGER AS d FROM w.t`).toArray()[0]!;
      expect([row.n, row.d]).toEqual([200000, 7]);
      const methods = conn.query(`SELECT DISTINCT compression FROM pragma_storage_info('w.t') WHERE column_name = 's' AND segment_type = 'VARCHAR'`).toArray().map((r) => String(r.compression));
      expect(methods).toContain('DICT_FSST');
    } finally {
      db.reset();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
