/**
 * DuckDB-Wasm in Node through its blocking bindings: the same engine build the dashboard runs, so
 * tests and the CLI exercise exactly the browser's SQL semantics. DuckDB-Wasm has no Parquet reader
 * built in (read_parquet would try to download the extension), so Parquet is decoded by parquet-wasm
 * to Arrow IPC and appended through a staging table.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as parquet from 'parquet-wasm/node';
import { tableFromIPC } from 'apache-arrow';
import { EVENT_COLUMNS } from '../../schema/event-columns';
import { tableToRows } from '../arrow-rows';
import type { Row, SqlValue } from '../../engine/query-engine';
import { bindParameters } from '../../engine/sql-params';
import { compactIfLarge } from '../../engine/compact-tables';
import { errorMessage, QueryError } from '../../engine/errors';
import { CREATE_EVENTS_SQL, insertEventsSql } from '../../engine/events-table';
import { InputError, NO_EXTENSION_DOWNLOADS, type EventStore } from './event-store';

type Blocking = typeof import('@duckdb/duckdb-wasm/blocking');
type Connection = ReturnType<Awaited<ReturnType<Blocking['createDuckDB']>>['connect']>;

const require = createRequire(import.meta.url);
const STAGING = '__pa_load';

export async function openWasmStore(): Promise<EventStore> {
  const duckdb = require('@duckdb/duckdb-wasm/blocking') as Blocking;
  const bundles = {
    mvp: { mainModule: require.resolve('@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm'), mainWorker: '' },
    eh: { mainModule: require.resolve('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm'), mainWorker: '' },
  };
  const db = await duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
  reuseCompiledModule(db);
  await db.instantiate(() => {});
  db.open({ path: ':memory:', query: { castDecimalToDouble: true } });
  const conn = db.connect();
  for (const statement of NO_EXTENSION_DOWNLOADS) conn.query(statement);
  return new WasmStore(conn, () => db.reset());
}

type InstantiateWasm = (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => unknown;

/** The compiled DuckDB module per file: compiling it takes seconds, instantiating a compiled one milliseconds. */
const compiledModules = new Map<string, Promise<WebAssembly.Module>>();

/**
 * DuckDB-Wasm's Node bindings read and compile the 30+ MB module on every open (their `instantiateWasm`). The CLI
 * and the tests open many stores in one process, so this replaces that method with one that compiles each file once
 * and does what the original does besides: publish the runtime's functions as `globalThis.DUCKDB_RUNTIME`.
 */
function reuseCompiledModule(db: object): void {
  const bindings = db as { mainModulePath: string; _runtime: object; instantiateWasm: InstantiateWasm };
  if (typeof bindings.mainModulePath !== 'string' || typeof bindings._runtime !== 'object') return; // not the bindings this was written for
  bindings.instantiateWasm = (imports, done) => {
    const runtime: Record<string, unknown> = {};
    for (const name of Object.getOwnPropertyNames(bindings._runtime)) {
      if (name !== 'constructor') runtime[name] = Object.getOwnPropertyDescriptor(bindings._runtime, name)?.value;
    }
    (globalThis as { DUCKDB_RUNTIME?: unknown }).DUCKDB_RUNTIME = runtime;
    const path = bindings.mainModulePath;
    let compiled = compiledModules.get(path);
    if (!compiled) {
      compiled = WebAssembly.compile(readFileSync(path));
      compiledModules.set(path, compiled);
    }
    void compiled.then(async (module) => done(await WebAssembly.instantiate(module, imports), module));
    return [];
  };
}

class WasmStore implements EventStore {
  readonly kind = 'wasm' as const;
  constructor(
    private readonly conn: Connection,
    private readonly release: () => unknown,
  ) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const text = params.length ? bindParameters(sql, params) : sql;
    try {
      return tableToRows(this.conn.query(text)) as T[];
    } catch (error) {
      throw new QueryError(`DuckDB-Wasm: ${errorMessage(error)}`, text, { cause: error });
    }
  }

  async resetEvents(): Promise<void> {
    await this.query(CREATE_EVENTS_SQL);
  }

  async loadParquetFiles(paths: readonly string[]): Promise<number> {
    let rows = 0;
    for (const path of paths) {
      rows += await this.loadParquetBytes(new Uint8Array(await readFile(path)), path);
      // DuckDB-Wasm has 4 GB: without compressing, about 4.8M events fit (see compact-tables.ts)
      await compactIfLarge((sql) => this.query(sql));
    }
    return rows;
  }

  async loadParquetBytes(bytes: Uint8Array, label: string): Promise<number> {
    let present: string[];
    try {
      const fields = tableFromIPC(parquet.readSchema(bytes).intoIPCStream()).schema.fields.map((f) => f.name);
      present = EVENT_COLUMNS.map((c) => c.name).filter((name) => fields.includes(name));
    } catch (error) {
      throw new InputError(`${label}: not a readable Parquet file (${errorMessage(error)})`, { cause: error });
    }
    if (!present.includes('timestamp') || !present.includes('event')) {
      throw new InputError(`${label}: not an events file: the columns "timestamp" and "event" are missing`);
    }
    let ipc: Uint8Array;
    try {
      ipc = parquet.readParquet(bytes, { columns: present, batchSize: 64 * 1024 }).intoIPCStream();
    } catch (error) {
      throw new InputError(`${label}: damaged Parquet data (${errorMessage(error)})`, { cause: error });
    }
    try {
      this.conn.insertArrowFromIPCStream(ipc, { name: STAGING, create: true });
      const [count] = await this.query<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${STAGING}`);
      await this.query(insertEventsSql(STAGING, present));
      return Number(count?.n ?? 0);
    } catch (error) {
      throw new InputError(`${label}: could not load into DuckDB-Wasm (${errorMessage(error)})`, { cause: error });
    } finally {
      this.conn.query(`DROP TABLE IF EXISTS ${STAGING}`);
    }
  }

  async close(): Promise<void> {
    this.conn.close();
    this.release();
  }
}
