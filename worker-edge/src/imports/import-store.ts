/**
 * The imports of a site in its SiteState (SQLite): one record per import, its rejected rows (the report), the order
 * ids it brought (duplicates across imports are refused) and its ad-spend tables (not events, so not in `files`).
 * Event files of imports are in the manifest (`files`) like any event file; they are found again by name
 * (core/src/imports/import-files.ts).
 */
import type { ImportRecord, ImportRejection, ImportTableEntry } from '@privacy-analytics/core/edge-api';
import type { ImportsState } from '../backup/catalog-state';
import { importEventFileName, importOfEventKey, type ImportKind } from '@privacy-analytics/core/imports';

/** Rejections kept per import for the report; the count beyond is still in the record. */
export const MAX_STORED_REJECTIONS = 20_000;

interface ImportRow {
  id: string;
  kind: string;
  status: string;
  sha256: string;
  mapping: string;
  rows_total: number;
  rows_accepted: number;
  rows_rejected: number;
  stored: number;
  files: number;
  from_date: string | null;
  to_date: string | null;
  created_at: number;
  created_by: string;
  withdrawn_at: number | null;
  withdrawn_by: string | null;
  [column: string]: SqlStorageValue;
}

export function createImportTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS imports (
      id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL, sha256 TEXT NOT NULL, mapping TEXT NOT NULL,
      rows_total INTEGER NOT NULL, rows_accepted INTEGER NOT NULL, rows_rejected INTEGER NOT NULL, stored INTEGER NOT NULL,
      files INTEGER NOT NULL, from_date TEXT, to_date TEXT, created_at INTEGER NOT NULL, created_by TEXT NOT NULL,
      withdrawn_at INTEGER, withdrawn_by TEXT);
    CREATE INDEX IF NOT EXISTS imports_by_time ON imports (created_at);
    CREATE TABLE IF NOT EXISTS import_rejections (import_id TEXT NOT NULL, seq INTEGER NOT NULL, line INTEGER NOT NULL, field TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (import_id, seq));
    CREATE TABLE IF NOT EXISTS imported_orders (order_id TEXT PRIMARY KEY, import_id TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS imported_orders_by_import ON imported_orders (import_id);
    CREATE TABLE IF NOT EXISTS import_tables (
      key TEXT PRIMARY KEY, import_id TEXT NOT NULL, kind TEXT NOT NULL, date TEXT NOT NULL, bytes INTEGER NOT NULL,
      rows INTEGER NOT NULL, etag TEXT NOT NULL, sha256 TEXT NOT NULL, created_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS import_tables_by_date ON import_tables (date);
  `);
}

export interface NewImport {
  record: Omit<ImportRecord, 'status' | 'withdrawnAt' | 'withdrawnBy'>;
  rejections: readonly ImportRejection[];
  orderIds: readonly string[];
  tables: readonly ImportTableEntry[];
}

export function importById(sql: SqlStorage, id: string): ImportRecord | null {
  const row = sql.exec<ImportRow>(`SELECT * FROM imports WHERE id = ?`, id).toArray()[0];
  return row ? toRecord(row) : null;
}

export function listImports(sql: SqlStorage, limit: number): ImportRecord[] {
  return sql.exec<ImportRow>(`SELECT * FROM imports ORDER BY created_at DESC, id LIMIT ?`, limit).toArray().map(toRecord);
}

/** The order ids among `ids` an earlier import brought, with that import's id. */
export function importedOrders(sql: SqlStorage, ids: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const id of ids) {
    const row = sql.exec<{ import_id: string }>(`SELECT import_id FROM imported_orders WHERE order_id = ?`, id).toArray()[0];
    if (row) found.set(id, row.import_id);
  }
  return found;
}

/** Records an import (call inside the transaction that lists its event files). */
export function insertImport(sql: SqlStorage, input: NewImport): void {
  const r = input.record;
  sql.exec(
    `INSERT INTO imports (id, kind, status, sha256, mapping, rows_total, rows_accepted, rows_rejected, stored, files, from_date, to_date, created_at, created_by)
     VALUES (?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    r.id, r.kind, r.sha256, JSON.stringify(r.mapping), r.rows.total, r.rows.accepted, r.rows.rejected, r.stored, r.files, r.from, r.to, Date.parse(r.createdAt), r.createdBy,
  );
  input.rejections.slice(0, MAX_STORED_REJECTIONS).forEach((x, seq) => {
    sql.exec(`INSERT INTO import_rejections (import_id, seq, line, field, reason) VALUES (?, ?, ?, ?, ?)`, r.id, seq, x.line, x.field, x.reason);
  });
  for (const orderId of input.orderIds) sql.exec(`INSERT INTO imported_orders (order_id, import_id) VALUES (?, ?)`, orderId, r.id);
  for (const t of input.tables) {
    sql.exec(
      `INSERT INTO import_tables (key, import_id, kind, date, bytes, rows, etag, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      t.key, t.importId, t.kind, t.date, t.bytes, t.rows, t.etag, t.sha256, Date.parse(t.createdAt),
    );
  }
}

export function importRejections(sql: SqlStorage, id: string): ImportRejection[] {
  return sql.exec<{ line: number; field: string; reason: string }>(`SELECT line, field, reason FROM import_rejections WHERE import_id = ? ORDER BY seq`, id).toArray();
}

/** The event file keys the manifest lists for an import (erasure may have renamed them: `-e<8 hex>`). */
export function listedFilesOfImport(sql: SqlStorage, kind: ImportKind, id: string): string[] {
  if (kind === 'ad_spend') return [];
  return sql
    .exec<{ key: string }>(`SELECT key FROM files WHERE instr(key, ?) > 0`, `/${importEventFileName(kind, id)}`)
    .toArray()
    .map((r) => r.key)
    .filter((key) => {
      const owner = importOfEventKey(key);
      return owner !== null && owner.kind === kind && owner.importId === id;
    });
}

/** Marks an import withdrawn and forgets its order ids and tables; returns the table keys (their objects go too). */
export function markWithdrawn(sql: SqlStorage, id: string, by: string, now: number): string[] {
  const tables = sql.exec<{ key: string }>(`SELECT key FROM import_tables WHERE import_id = ?`, id).toArray().map((r) => r.key);
  sql.exec(`DELETE FROM import_tables WHERE import_id = ?`, id);
  sql.exec(`DELETE FROM imported_orders WHERE import_id = ?`, id);
  sql.exec(`UPDATE imports SET status = 'withdrawn', withdrawn_at = ?, withdrawn_by = ? WHERE id = ?`, now, by, id);
  return tables;
}

export function importTables(sql: SqlStorage, from?: string, to?: string): ImportTableEntry[] {
  return sql
    .exec<{ key: string; import_id: string; date: string; bytes: number; rows: number; etag: string; sha256: string; created_at: number }>(
      `SELECT * FROM import_tables WHERE date >= ? AND date <= ? ORDER BY date, key`,
      from ?? '0000-00-00', to ?? '9999-99-99',
    )
    .toArray()
    .map((r) => ({ kind: 'import:ad_spend' as const, key: r.key, importId: r.import_id, date: r.date, bytes: r.bytes, rows: r.rows, etag: r.etag, sha256: r.sha256, createdAt: new Date(r.created_at).toISOString() }));
}

export function importTableListed(sql: SqlStorage, key: string): boolean {
  return sql.exec(`SELECT 1 FROM import_tables WHERE key = ?`, key).toArray().length > 0;
}

/** Unlists the imported tables dated before `cutoff` (retention); returns their keys. */
export function expireImportTables(sql: SqlStorage, cutoff: string): string[] {
  const keys = sql.exec<{ key: string }>(`SELECT key FROM import_tables WHERE date < ?`, cutoff).toArray().map((r) => r.key);
  sql.exec(`DELETE FROM import_tables WHERE date < ?`, cutoff);
  return keys;
}

/** Every import row, for a snapshot (worker-edge/src/backup/catalog-state.ts). */
export function importsForBackup(sql: SqlStorage): ImportsState {
  const rows = <T>(query: string) => sql.exec(query).toArray() as T[];
  return {
    imports: rows(`SELECT id, kind, status, sha256, mapping, rows_total, rows_accepted, rows_rejected, stored, files, from_date, to_date, created_at, created_by, withdrawn_at, withdrawn_by FROM imports ORDER BY created_at, id`),
    rejections: rows(`SELECT import_id, seq, line, field, reason FROM import_rejections ORDER BY import_id, seq`),
    orders: rows(`SELECT order_id, import_id FROM imported_orders ORDER BY order_id`),
    tables: rows(`SELECT key, import_id, kind, date, bytes, rows, etag, sha256, created_at FROM import_tables ORDER BY key`),
  };
}

/**
 * Restores the import rows of a snapshot (call inside the restore's transaction). `replace` (a forced restore) first
 * forgets every import of the site, so that its records, order ids and tables are the snapshot's; returns the keys of
 * the tables it unlisted that the snapshot does not list (their objects are deleted by the caller). Otherwise the
 * snapshot's rows are added to what the site holds, a row the site has already winning.
 */
export function restoreImports(sql: SqlStorage, state: ImportsState, replace: boolean): string[] {
  let unlisted: string[] = [];
  if (replace) {
    const keep = new Set(state.tables.map((t) => t.key));
    unlisted = sql.exec<{ key: string }>(`SELECT key FROM import_tables`).toArray().map((r) => r.key).filter((key) => !keep.has(key));
    sql.exec(`DELETE FROM imports; DELETE FROM import_rejections; DELETE FROM imported_orders; DELETE FROM import_tables;`);
  }
  for (const r of state.imports) {
    sql.exec(
      `INSERT OR IGNORE INTO imports (id, kind, status, sha256, mapping, rows_total, rows_accepted, rows_rejected, stored, files, from_date, to_date, created_at, created_by, withdrawn_at, withdrawn_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      r.id, r.kind, r.status, r.sha256, r.mapping, r.rows_total, r.rows_accepted, r.rows_rejected, r.stored, r.files, r.from_date, r.to_date, r.created_at, r.created_by, r.withdrawn_at, r.withdrawn_by,
    );
  }
  for (const x of state.rejections) sql.exec(`INSERT OR IGNORE INTO import_rejections (import_id, seq, line, field, reason) VALUES (?, ?, ?, ?, ?)`, x.import_id, x.seq, x.line, x.field, x.reason);
  for (const o of state.orders) sql.exec(`INSERT OR IGNORE INTO imported_orders (order_id, import_id) VALUES (?, ?)`, o.order_id, o.import_id);
  for (const t of state.tables) {
    sql.exec(
      `INSERT OR IGNORE INTO import_tables (key, import_id, kind, date, bytes, rows, etag, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      t.key, t.import_id, t.kind, t.date, t.bytes, t.rows, t.etag, t.sha256, t.created_at,
    );
  }
  return unlisted;
}

/** Of `keys`, those the site lists as import tables. */
export function listedImportTables(sql: SqlStorage, keys: readonly string[]): string[] {
  return keys.filter((key) => importTableListed(sql, key));
}

function toRecord(r: ImportRow): ImportRecord {
  return {
    id: r.id,
    kind: r.kind as ImportRecord['kind'],
    status: r.status as ImportRecord['status'],
    sha256: r.sha256,
    mapping: JSON.parse(r.mapping) as Record<string, string>,
    rows: { total: r.rows_total, accepted: r.rows_accepted, rejected: r.rows_rejected },
    stored: r.stored,
    files: r.files,
    from: r.from_date,
    to: r.to_date,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
    withdrawnAt: r.withdrawn_at === null ? null : new Date(r.withdrawn_at).toISOString(),
    withdrawnBy: r.withdrawn_by,
  };
}
