/**
 * Native DuckDB (`@duckdb/node-api`), for data larger than a browser holds. It runs the same SQL as
 * DuckDB-Wasm; Parquet is read with DuckDB's built-in reader (statically linked in the native
 * build, so nothing is downloaded; extension autoloading is switched off anyway), cast to the same
 * table schema, so both engines see identical `events` rows.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { EVENT_COLUMNS } from '../../schema/event-columns';
import type { Row, SqlValue } from '../../engine/query-engine';
import { compactIfLarge } from '../../engine/compact-tables';
import { bindParameters } from '../../engine/sql-params';
import { errorMessage, QueryError } from '../../engine/errors';
import { CREATE_EVENTS_SQL, insertEventsSql } from '../../engine/events-table';
import { InputError, NO_EXTENSION_DOWNLOADS, type EventStore } from './event-store';

export interface NativeOptions {
  /** DuckDB worker threads; the benchmark compares single-threaded. Default: DuckDB's own. */
  threads?: number;
}

export async function openNativeStore(options: NativeOptions = {}): Promise<EventStore> {
  const config: Record<string, string> = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' };
  if (options.threads !== undefined) config.threads = String(options.threads);
  const instance = await DuckDBInstance.create(':memory:', config);
  const connection = await instance.connect();
  const store = new NativeStore(connection, instance);
  for (const statement of NO_EXTENSION_DOWNLOADS) await store.query(statement);
  return store;
}

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Date)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

class NativeStore implements EventStore {
  readonly kind = 'native' as const;
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly instance: DuckDBInstance,
  ) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const text = params.length ? bindParameters(sql, params) : sql;
    try {
      const reader = await this.connection.runAndReadAll(text);
      return reader.getRowObjectsJS().map((row) => plain(row)) as T[];
    } catch (error) {
      throw new QueryError(`DuckDB: ${errorMessage(error)}`, text, { cause: error });
    }
  }

  async resetEvents(): Promise<void> {
    await this.query(CREATE_EVENTS_SQL);
  }

  async loadParquetFiles(paths: readonly string[]): Promise<number> {
    if (paths.length === 0) return 0;
    const list = `[${paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ')}]`;
    let present: string[];
    try {
      const described = await this.query<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet(${list}, union_by_name = true)`);
      const names = described.map((r) => r.column_name);
      present = EVENT_COLUMNS.map((c) => c.name).filter((name) => names.includes(name));
    } catch (error) {
      throw new InputError(`not readable as Parquet: ${errorMessage(error)}`, { cause: error });
    }
    if (!present.includes('timestamp') || !present.includes('event')) {
      throw new InputError(`${paths.length === 1 ? paths[0] : 'inputs'}: not an events file: the columns "timestamp" and "event" are missing`);
    }
    const before = await this.count();
    try {
      await this.query(insertEventsSql(`read_parquet(${list}, union_by_name = true)`, present));
    } catch (error) {
      throw new InputError(`could not load Parquet into DuckDB: ${errorMessage(error)}`, { cause: error });
    }
    // the same rule as the DuckDB-Wasm store, so both hold their tables the same way
    await compactIfLarge((sql) => this.query(sql));
    return (await this.count()) - before;
  }

  async loadParquetBytes(bytes: Uint8Array, label: string): Promise<number> {
    const dir = await mkdtemp(join(tmpdir(), 'pa-analyze-'));
    const path = join(dir, 'events.parquet');
    try {
      await writeFile(path, bytes);
      return await this.loadParquetFiles([path]);
    } catch (error) {
      if (error instanceof InputError) throw new InputError(`${label}: ${error.message}`, { cause: error });
      throw error;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async count(): Promise<number> {
    const [row] = await this.query<{ n: number }>('SELECT count(*)::BIGINT AS n FROM events');
    return Number(row?.n ?? 0);
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
