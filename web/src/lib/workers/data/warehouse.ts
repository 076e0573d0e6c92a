/**
 * The local warehouse: the decoded events kept in DuckDB between visits (issue 18). DuckDB's database file lives in
 * the browser's Origin Private File System when it can (`opfs://…`, see DuckDbSession.open), else in memory.
 *
 * Layout, all inside DuckDB:
 *  - `pa_files`: the catalog, one row per loaded file: its scope (edge + site, or local files), key, ETag, date,
 *    rows, time span and the table holding its rows;
 *  - `pa_f_<n>`: the tables holding the rows. A file of a row group (122,880 rows) or more gets a table of its own;
 *    smaller files (the edge's daily files of a small site, its flush files before compaction merges them, of any
 *    day) go into a table together once they fill a row group: DuckDB then writes them compressed straight to the
 *    file instead of through its write-ahead log (issue 18, see event-loader.ts). Inserting each file into a new table
 *    is several times faster than appending every file to one growing table (1M events: 3.6 s against 20 s), and
 *    hundreds of flush files as hundreds of tables made every query bind a UNION ALL of hundreds of tables. A table
 *    is filled once and never appended to or deleted from, so a file's rows are the rowids from its rowOffset on: the
 *    `events` view shows only the rows of a table's files in the range. A file leaves the warehouse with its table,
 *    with no DELETE: when one file of a shared table changes, its table-mates leave with it and are read again when
 *    their range is loaded (the same sync for those in its range; see withTableMates);
 *  - `events`: a view, UNION ALL over the tables of the files the dashboard looks at (scope, date range, columns);
 *  - `pa_overview_cube`: the local overview table (core's overview-cube.ts) of every file of one scope, built after a
 *    load (buildCube) and named in `pa_meta` by the files it was built from; a commit that removes files drops it in
 *    the same transaction (an erased person's rows leave with their files), one that only adds files leaves it
 *    standing but out of date until the next build;
 *  - `person_map` (core's identity.ts): the identity map of the files the `events` view shows, named in `pa_meta` by
 *    them (personMapFingerprint) so a warm visit over the same files does not build it again; a commit that removes
 *    files drops it in the same transaction (an erased person's ids leave with their rows).
 *
 * A file enters and leaves the warehouse whole: its table and its catalog row change in one transaction, and a
 * sync of a warehouse that already holds the range adds its new files and removes the dropped ones in ONE
 * transaction, so a crash leaves the previous version or the new one. Tables that no catalog row names (a crash
 * between creating a table and committing it) are dropped when the warehouse opens.
 */
import { CUBE_SOURCE_COLUMNS, OVERVIEW_CUBE_TABLE, PERSON_MAP, dropOverviewCubeStatements, overviewCubeStatements } from '@privacy-analytics/core/analytics';
import type { ColumnSpec } from '@privacy-analytics/core/schema';
import type { DateRange } from '../../engine/data-engine';
import type { DuckDbSession } from './duckdb-session';
import { mark } from '../../engine/timeline';
import { ALL_COLUMNS, EVENTS_TABLE, createTableSql, quoteIdentifier } from './event-table';

const CATALOG = 'pa_files';
const EMPTY = 'pa_empty';
const FILE_TABLE_PREFIX = 'pa_f_';
const FILE_TABLE = new RegExp(`^${FILE_TABLE_PREFIX}[0-9]+$`);
/** Bumped when the layout changes: an older warehouse is then emptied and filled again from the edge. */
const LAYOUT_VERSION = 2;
const META = 'pa_meta';
/** the overview table's layout, in its fingerprint: a table of an older layout is built again (2: ENUM columns) */
const CUBE_FORMAT = 'cube2';
const CUBE_META = 'overview_cube';
const PERSON_MAP_META = 'person_map';
/** the identity map of the files shown before (another range), kept beside person_map to be swapped back */
const KEPT_PERSON_MAP = 'pa_person_map_kept';
const KEPT_PERSON_MAP_META = 'person_map_kept';
const CATALOG_DDL = `CREATE TABLE IF NOT EXISTS ${CATALOG} (scope VARCHAR NOT NULL, key VARCHAR NOT NULL, etag VARCHAR, date VARCHAR, rows BIGINT NOT NULL, bytes BIGINT NOT NULL, min_time VARCHAR, max_time VARCHAR, tbl VARCHAR NOT NULL, row_offset BIGINT NOT NULL DEFAULT 0, loaded_at TIMESTAMP DEFAULT current_timestamp)`;

/** Where a file came from: an edge's site (`edge-url|site`, see cacheScope) or the local files picked by hand. */
export const LOCAL_SCOPE = 'local-files';

export interface WarehouseFile {
  scope: string;
  key: string;
  etag: string | null;
  /** the file's date partition; null for local files */
  date: string | null;
  rows: number;
  bytes: number;
  minTime: string | null;
  maxTime: string | null;
  table: string;
  /**
   * Where the file's rows start in its table (DuckDB's `rowid`): a table is filled once, in the files' order, and
   * never appended to or deleted from afterwards, so file i holds rowids [rowOffset, rowOffset + rows).
   */
  rowOffset: number;
}

/** What the `events` view shows: the files of one scope, within a date range (all dates when null). */
export interface WarehouseView {
  scope: string;
  range: DateRange | null;
  columns: readonly ColumnSpec[];
}

export type WarehouseStorage = 'opfs' | 'memory';

const str = (v: unknown): string | null => (v == null ? null : String(v));

export class Warehouse {
  readonly #session: DuckDbSession;
  readonly storage: WarehouseStorage;
  /** committed files by scope, then key */
  readonly #files = new Map<string, Map<string, WarehouseFile>>();
  #seq = 0;
  #view: WarehouseView | null = null;
  /** the statement that last wrote the `events` view (null: unknown or a placeholder) */
  #viewText: string | null = null;
  /** what the overview table was built from (see cubeFingerprint); null when there is none */
  #cubeBuiltFrom: string | null = null;
  /** what person_map was built from (see personMapFingerprint); null when unknown */
  #personMapBuiltFrom: string | null = null;
  #keptPersonMapFrom: string | null = null;

  private constructor(session: DuckDbSession, storage: WarehouseStorage) {
    this.#session = session;
    this.storage = storage;
  }

  /** Opens the catalog (creating it on first use), drops tables a crash left behind, and shows an empty `events`. */
  static async open(session: DuckDbSession, storage: WarehouseStorage): Promise<Warehouse> {
    const warehouse = new Warehouse(session, storage);
    await warehouse.#init();
    return warehouse;
  }

  get persistent(): boolean {
    return this.storage === 'opfs';
  }

  async #init(): Promise<void> {
    const exec = (sql: string) => this.#session.exec(sql);
    // a few messages to DuckDB's worker instead of one per statement (each cost tens of ms on a warm open), and one
    // listing of the tables (duckdb_tables() writes every table's SQL: 40 ms a call with the 1M layout's tables)
    const rows = await this.#session.execBatch([
      `CREATE TABLE IF NOT EXISTS ${META} (name VARCHAR PRIMARY KEY, value VARCHAR)`,
      `SELECT name, value, NULL AS table_name FROM ${META}
        UNION ALL SELECT NULL, NULL, table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary`,
    ]);
    const tables = new Set(rows.filter((row) => row.table_name != null).map((row) => String(row.table_name)));
    const metaValue = (name: string, table?: string) => {
      const row = rows.find((r) => r.name === name);
      return row?.value != null && (table === undefined || tables.has(table)) ? String(row.value) : null;
    };
    const meta = { layout: metaValue('layout'), cube: metaValue(CUBE_META, OVERVIEW_CUBE_TABLE), persons: metaValue(PERSON_MAP_META, PERSON_MAP), kept_persons: metaValue(KEPT_PERSON_MAP_META, KEPT_PERSON_MAP) };
    const outdated = meta.layout !== null && Number(meta.layout) !== LAYOUT_VERSION;
    if (outdated) await this.#dropEverything();
    else {
      this.#cubeBuiltFrom = meta.cube;
      this.#personMapBuiltFrom = meta.persons;
      this.#keptPersonMapFrom = meta.kept_persons;
    }
    // one transaction (one commit to the file's log instead of one per statement), the empty `events` view included
    const emptyView = this.#viewSql(null);
    const catalog = await this.#session
      .execBatch([
        'BEGIN TRANSACTION',
        `INSERT OR REPLACE INTO ${META} VALUES ('layout', '${LAYOUT_VERSION}')`,
        CATALOG_DDL,
        `DROP VIEW IF EXISTS ${EVENTS_TABLE}`,
        `DROP TABLE IF EXISTS ${EVENTS_TABLE}`,
        `DROP TABLE IF EXISTS ${EMPTY}`,
        createTableSql(EMPTY, ALL_COLUMNS),
        emptyView,
        'COMMIT',
        `SELECT scope, key, etag, date, rows, bytes, min_time, max_time, tbl, row_offset FROM ${CATALOG}`,
      ])
      .catch(async (error: unknown) => {
        await this.#session.exec('ROLLBACK').catch(() => undefined);
        throw error;
      });
    this.#viewText = emptyView;
    this.#view = null;
    for (const row of catalog) {
      this.#remember({
        scope: String(row.scope),
        key: String(row.key),
        etag: str(row.etag),
        date: str(row.date),
        rows: Number(row.rows),
        bytes: Number(row.bytes),
        minTime: str(row.min_time),
        maxTime: str(row.max_time),
        table: String(row.tbl),
        rowOffset: Number(row.row_offset),
      });
    }
    const referenced = new Set([...this.#allFiles()].map((f) => f.table));
    const fileTables = outdated ? await this.#fileTables() : [...tables].filter((name) => FILE_TABLE.test(name));
    for (const name of fileTables) {
      const n = Number(name.slice(FILE_TABLE_PREFIX.length));
      if (Number.isFinite(n)) this.#seq = Math.max(this.#seq, n);
      if (!referenced.has(name)) await exec(`DROP TABLE IF EXISTS ${quoteIdentifier(name)}`);
    }
    for (const file of this.#allFiles()) this.#seq = Math.max(this.#seq, Number(file.table.slice(FILE_TABLE_PREFIX.length)) || 0);
  }

  /** Every `pa_f_<n>` table in the database, committed or left behind. */
  async #fileTables(): Promise<string[]> {
    const rows = await this.#session.exec(`SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND regexp_full_match(table_name, '${FILE_TABLE_PREFIX}[0-9]+')`);
    return rows.map((row) => String(row.table_name));
  }

  *#allFiles(): Iterable<WarehouseFile> {
    for (const files of this.#files.values()) yield* files.values();
  }

  #remember(file: WarehouseFile): void {
    let files = this.#files.get(file.scope);
    if (!files) this.#files.set(file.scope, (files = new Map()));
    files.set(file.key, file);
  }

  /** Committed files of `scope`, within `range` when given (local files have no date and are always in). */
  files(scope: string, range?: DateRange | null): WarehouseFile[] {
    const all = [...(this.#files.get(scope)?.values() ?? [])];
    if (!range) return all;
    return all.filter((f) => f.date === null || (f.date >= range.from && f.date <= range.to));
  }

  get view(): WarehouseView | null {
    return this.#view;
  }

  /** The files the `events` view shows now. */
  viewFiles(): WarehouseFile[] {
    return this.#view ? this.files(this.#view.scope, this.#view.range).sort((a, b) => a.key.localeCompare(b.key)) : [];
  }

  /**
   * `keys` of `scope` and every other file sharing a table with one of them: what has to leave the warehouse for
   * `keys` to leave (tables are dropped whole).
   */
  withTableMates(scope: string, keys: Iterable<string>): Set<string> {
    const files = [...(this.#files.get(scope)?.values() ?? [])];
    const out = new Set(keys);
    const tables = new Set(files.filter((f) => out.has(f.key)).map((f) => f.table));
    for (const file of files) if (tables.has(file.table)) out.add(file.key);
    return out;
  }

  /** A new, empty table for one file's rows, or a day's small files (outside the catalog until commit). */
  async newFileTable(columns: readonly ColumnSpec[] = ALL_COLUMNS): Promise<string> {
    const table = `${FILE_TABLE_PREFIX}${++this.#seq}`;
    await this.#session.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(table)}`);
    await this.#session.exec(createTableSql(table, columns));
    return table;
  }

  /** A fresh table name for a scratch table (a crash leaves it to the clean-up on open, like any uncommitted table). */
  scratchName(): string {
    return `${FILE_TABLE_PREFIX}${++this.#seq}`;
  }

  /** Drops tables that were filled but never committed (a cancelled or failed load). */
  async discard(tables: readonly string[]): Promise<void> {
    if (tables.length > 0) await this.#session.exec(tables.map((table) => `DROP TABLE IF EXISTS ${quoteIdentifier(table)}`).join(';\n'));
  }

  /**
   * One transaction: `added` enter the catalog (replacing files of the same key), `removed` (keys of `scope`) leave
   * it with their tables (and the files sharing those tables), and the `events` view is set to `view` (kept as it is when undefined).
   */
  async commit(scope: string, added: readonly WarehouseFile[], removed: readonly string[], view?: WarehouseView | null): Promise<void> {
    const exec = (sql: string) => this.#session.exec(sql);
    const known = this.#files.get(scope) ?? new Map<string, WarehouseFile>();
    // a table leaves whole: files sharing one with a leaving file leave too (the loader reads them again, see
    // withTableMates), so no row of a removed file stays visible
    const leaving = this.withTableMates(scope, [...removed, ...added.map((f) => f.key)]);
    const replaced = [...leaving].map((key) => known.get(key)).filter((f): f is WarehouseFile => f !== undefined);
    const nextView = view === undefined ? this.#view : view;
    // the hint that lets a later visit's first load skip waiting for DuckDB goes first (see FILES_MARKER)
    if (added.length > 0) await this.#session.noteFilesAdded();
    // one request to the DuckDB worker: a sync of hundreds of small files would otherwise queue hundreds of
    // statements behind the dashboard's queries
    const statements = ['BEGIN TRANSACTION'];
    if (replaced.length > 0) {
      statements.push(`DELETE FROM ${CATALOG} WHERE scope = ${literal(scope)} AND key IN (${replaced.map((f) => literal(f.key)).join(', ')})`);
    }
    if (added.length > 0) {
      const values = added.map((file) =>
        `(${[
          literal(file.scope),
          literal(file.key),
          literal(file.etag),
          literal(file.date),
          String(Math.trunc(file.rows)),
          String(Math.trunc(file.bytes)),
          literal(file.minTime),
          literal(file.maxTime),
          literal(file.table),
          String(Math.trunc(file.rowOffset)),
        ].join(', ')})`,
      );
      statements.push(`INSERT INTO ${CATALOG} (scope, key, etag, date, rows, bytes, min_time, max_time, tbl, row_offset) VALUES ${values.join(', ')}`);
    }
    // the view first: it must not name a table that is dropped below
    const after = new Map(known);
    for (const file of replaced) after.delete(file.key);
    for (const file of added) after.set(file.key, file);
    const viewText = this.#viewSql(nextView, nextView?.scope === scope ? [...after.values()] : undefined);
    statements.push(viewText);
    const dropsCube = replaced.length > 0;
    if (dropsCube) statements.push(...this.#dropCubeSql(), ...this.#dropPersonMapSql());
    const stillUsed = new Set([...after.values()].map((f) => f.table));
    for (const table of new Set(replaced.map((f) => f.table))) if (!stillUsed.has(table)) statements.push(`DROP TABLE IF EXISTS ${quoteIdentifier(table)}`);
    statements.push('COMMIT');
    try {
      await exec(statements.join(';\n'));
    } catch (error) {
      await exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
    for (const file of replaced) known.delete(file.key);
    for (const file of added) known.set(file.key, file);
    this.#files.set(scope, known);
    this.#view = nextView;
    this.#viewText = viewText;
    if (dropsCube) {
      this.#cubeBuiltFrom = null;
      this.#personMapBuiltFrom = null;
      this.#keptPersonMapFrom = null;
    }
  }

  /** Names the files (table, key, ETag) and columns the `events` view shows now: what person_map is built from. */
  personMapFingerprint(): string | null {
    const view = this.#view;
    if (!view) return null;
    const files = this.viewFiles().map((f) => `${f.table}|${f.key}|${f.etag ?? ''}`);
    if (files.length === 0) return null;
    const columns = view.columns.map((c) => c.name).join(',');
    return `${view.scope}\n${fnv1a(`${columns}\n${files.join('\n')}`)}:${files.length}`;
  }

  /** True when person_map was built from exactly what the `events` view shows now. */
  personMapIsCurrent(): boolean {
    const fingerprint = this.personMapFingerprint();
    return fingerprint !== null && this.#personMapBuiltFrom === fingerprint;
  }

  /** Notes (in the database file) that person_map was just built from `fingerprint`. */
  async notePersonMap(fingerprint: string): Promise<void> {
    await this.#session.exec(`INSERT OR REPLACE INTO ${META} VALUES ('${PERSON_MAP_META}', ${literal(fingerprint)})`);
    this.#personMapBuiltFrom = fingerprint;
    await this.checkpoint();
  }

  /**
   * Before person_map is built for other files: the map of the files shown before (e.g. the last 30 days, before a
   * week was picked) moves aside instead of being overwritten, and comes back when those files are shown again
   * (`restoreKeptPersonMap`), so going back to the range of a kept map needs no build. One map is kept aside.
   */
  async setPersonMapAside(): Promise<void> {
    if (this.#personMapBuiltFrom === null || this.personMapIsCurrent()) return;
    const from = this.#personMapBuiltFrom;
    await this.#swapPersonMaps([
      `DROP TABLE IF EXISTS ${KEPT_PERSON_MAP}`,
      `ALTER TABLE ${PERSON_MAP} RENAME TO ${KEPT_PERSON_MAP}`,
      `DELETE FROM ${META} WHERE name = '${PERSON_MAP_META}'`,
      `INSERT OR REPLACE INTO ${META} VALUES ('${KEPT_PERSON_MAP_META}', ${literal(from)})`,
    ]);
    this.#keptPersonMapFrom = from;
    this.#personMapBuiltFrom = null;
  }

  /** True when the map set aside was built from the files shown now: it is person_map again (the other one aside). */
  async restoreKeptPersonMap(): Promise<boolean> {
    const fingerprint = this.personMapFingerprint();
    if (fingerprint === null || this.#keptPersonMapFrom !== fingerprint) return false;
    const previous = this.#personMapBuiltFrom;
    const swap = 'pa_person_map_swap';
    await this.#swapPersonMaps([
      `DROP TABLE IF EXISTS ${swap}`,
      ...(previous !== null ? [`ALTER TABLE ${PERSON_MAP} RENAME TO ${swap}`] : [`DROP TABLE IF EXISTS ${PERSON_MAP}`]),
      `ALTER TABLE ${KEPT_PERSON_MAP} RENAME TO ${PERSON_MAP}`,
      ...(previous !== null ? [`ALTER TABLE ${swap} RENAME TO ${KEPT_PERSON_MAP}`] : []),
      `INSERT OR REPLACE INTO ${META} VALUES ('${PERSON_MAP_META}', ${literal(fingerprint)})`,
      previous !== null ? `INSERT OR REPLACE INTO ${META} VALUES ('${KEPT_PERSON_MAP_META}', ${literal(previous)})` : `DELETE FROM ${META} WHERE name = '${KEPT_PERSON_MAP_META}'`,
    ]);
    this.#personMapBuiltFrom = fingerprint;
    this.#keptPersonMapFrom = previous;
    mark('person map: kept one swapped back');
    return true;
  }

  async #swapPersonMaps(statements: string[]): Promise<void> {
    await this.#transaction(statements);
    await this.checkpoint();
  }

  /** `statements` in one transaction, rolled back when one fails. */
  async #transaction(statements: readonly string[]): Promise<void> {
    try {
      await this.#session.execAll(['BEGIN TRANSACTION', ...statements, 'COMMIT']);
    } catch (error) {
      await this.#session.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  #dropPersonMapSql(): string[] {
    return [
      `DROP TABLE IF EXISTS ${PERSON_MAP}`,
      `DELETE FROM ${META} WHERE name = '${PERSON_MAP_META}'`,
      `DROP TABLE IF EXISTS ${KEPT_PERSON_MAP}`,
      `DELETE FROM ${META} WHERE name = '${KEPT_PERSON_MAP_META}'`,
    ];
  }

  /**
   * Names what the overview table of `scope` is built from: its files (table, key, ETag) and their columns. Equal
   * fingerprints, equal rows: a key's content changes only with its ETag, and a table only with its files.
   */
  cubeFingerprint(scope: string): string {
    const files = this.files(scope).map((f) => `${f.table}|${f.key}|${f.etag ?? ''}`).sort();
    return `${scope}\n${CUBE_FORMAT}:${fnv1a(files.join('\n'))}:${files.length}`;
  }

  /** True when the overview table holds exactly the files of `scope` now. */
  cubeIsCurrent(scope: string): boolean {
    return this.#cubeBuiltFrom !== null && this.#cubeBuiltFrom === this.cubeFingerprint(scope);
  }

  /**
   * (Re)builds the overview table from every file of `scope`, in one transaction with its fingerprint; false when
   * the scope has no file. A load committing meanwhile waits (one statement at a time on the load connection); a
   * table it dropped fails the build, which the next build repeats.
   */
  async buildCube(scope: string): Promise<boolean> {
    const tables = [...new Set(this.files(scope).map((f) => f.table))].sort();
    if (tables.length === 0) return false;
    const fingerprint = this.cubeFingerprint(scope);
    const list = CUBE_SOURCE_COLUMNS.map((c) => quoteIdentifier(c)).join(', ');
    const from = `(${tables.map((t) => `SELECT ${list} FROM ${quoteIdentifier(t)}`).join('\nUNION ALL ')})`;
    await this.#transaction([...overviewCubeStatements(from), `INSERT OR REPLACE INTO ${META} VALUES ('${CUBE_META}', ${literal(fingerprint)})`]);
    this.#cubeBuiltFrom = fingerprint;
    await this.checkpoint();
    return true;
  }

  #dropCubeSql(): string[] {
    return [...dropOverviewCubeStatements(), `DELETE FROM ${META} WHERE name = '${CUBE_META}'`];
  }

  /** Points the `events` view at `view` (no data moves). */
  async setView(view: WarehouseView | null): Promise<void> {
    await this.#setView(view);
  }

  async #setView(view: WarehouseView | null): Promise<void> {
    const text = this.#viewSql(view);
    // a sync with nothing to change (a warm visit) names the same tables: no catalog write, which would wait for the
    // queued queries (the identity map's, on a warm first funnel) and then hold DuckDB's one thread for its commit
    if (text !== this.#viewText) {
      this.#viewText = null;
      await this.#session.exec(text);
      this.#viewText = text;
      mark('warehouse: events view written');
    }
    this.#view = view;
  }

  #viewSql(view: WarehouseView | null, scopeFiles?: readonly WarehouseFile[]): string {
    const columns = view?.columns ?? ALL_COLUMNS;
    const list = columns.map((c) => quoteIdentifier(c.name)).join(', ');
    const inRange = (f: WarehouseFile) => !view?.range || f.date === null || (f.date >= view.range.from && f.date <= view.range.to);
    const all = view ? (scopeFiles ?? this.files(view.scope)) : [];
    const files = all.filter(inRange).sort((a, b) => b.key.localeCompare(a.key));
    // a table may hold files of several days (filled in whole row groups, see event-loader.ts): one the range cuts
    // through shows only the rowids of its files in the range
    const tables = [...new Set(files.map((f) => f.table))];
    const byTable = new Map<string, WarehouseFile[]>();
    for (const f of all) byTable.set(f.table, [...(byTable.get(f.table) ?? []), f]);
    const selects = tables.map((table) => {
      const mates = byTable.get(table)!;
      const shown = mates.filter(inRange);
      const from = `SELECT ${list} FROM ${quoteIdentifier(table)}`;
      return shown.length === mates.length ? from : `${from} WHERE ${rowidIntervals(shown)}`;
    });
    if (selects.length === 0) selects.push(`SELECT ${list} FROM ${EMPTY}`);
    return `CREATE OR REPLACE VIEW ${EVENTS_TABLE} AS ${selects.join('\nUNION ALL ')}`;
  }

  /** Writes what is committed to the database file (OPFS), so that a closed tab keeps it; a no-op in memory. */
  async checkpoint(): Promise<void> {
    if (this.persistent) await this.#session.checkpoint();
  }

  /** Every file of every scope leaves the warehouse; `events` is empty. */
  async clear(): Promise<void> {
    await this.#dropEverything();
    await this.#setView(null);
    await this.checkpoint();
  }

  async #dropEverything(): Promise<void> {
    const exec = (sql: string) => this.#session.exec(sql);
    this.#viewText = null;
    await exec(`CREATE OR REPLACE VIEW ${EVENTS_TABLE} AS SELECT 1 AS placeholder WHERE false`);
    for (const name of await this.#fileTables()) await exec(`DROP TABLE IF EXISTS ${quoteIdentifier(name)}`);
    for (const statement of [...this.#dropCubeSql(), ...this.#dropPersonMapSql()]) await exec(statement);
    this.#cubeBuiltFrom = null;
    this.#personMapBuiltFrom = null;
    this.#keptPersonMapFrom = null;
    await exec(`DROP TABLE IF EXISTS ${CATALOG}`);
    await exec(CATALOG_DDL);
    this.#files.clear();
  }
}

/** Two FNV-1a hashes of a string (two offsets), 64 bits as hex: a short name for a long list, not a defence against anyone. */
function fnv1a(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01234567;
  for (let i = 0; i < text.length; i++) {
    a = Math.imul(a ^ text.charCodeAt(i), 0x01000193);
    b = Math.imul(b ^ text.charCodeAt(i), 0x01000193);
  }
  return [a, b].map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('');
}

/** `rowid` within the files' row spans, adjacent spans merged: `(rowid >= 0 AND rowid < 5000) OR …`. */
function rowidIntervals(files: readonly WarehouseFile[]): string {
  const spans: [number, number][] = [];
  for (const f of [...files].sort((a, b) => a.rowOffset - b.rowOffset)) {
    const last = spans.at(-1);
    if (last && last[1] === f.rowOffset) last[1] += f.rows;
    else spans.push([f.rowOffset, f.rowOffset + f.rows]);
  }
  return spans.map(([from, to]) => `(rowid >= ${Math.trunc(from)} AND rowid < ${Math.trunc(to)})`).join(' OR ') || 'false';
}

function literal(value: string | null): string {
  return value === null ? 'NULL' : `'${value.replaceAll("'", "''")}'`;
}
