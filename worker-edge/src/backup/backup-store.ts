/**
 * SiteBackup's tables: `objects`, what the BACKUPS bucket holds for the site (key, source ETag); `snapshots` and
 * `snapshot_objects`, which snapshot restores which object (an object no snapshot refers to is deleted); `run_files`
 * and `run_objects`, the listing of the run in progress; `restore_items`, the snapshot a restore is applying.
 */
export function createBackupTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, etag TEXT NOT NULL, bytes INTEGER NOT NULL, copied_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS snapshots (
      id TEXT PRIMARY KEY, kind TEXT NOT NULL, taken_at INTEGER NOT NULL, erasure_mark INTEGER NOT NULL,
      files INTEGER NOT NULL, objects INTEGER NOT NULL, bytes INTEGER NOT NULL, rewritten_at INTEGER);
    CREATE TABLE IF NOT EXISTS snapshot_objects (snapshot_id TEXT NOT NULL, key TEXT NOT NULL, date TEXT, PRIMARY KEY (snapshot_id, key));
    CREATE INDEX IF NOT EXISTS snapshot_objects_by_key ON snapshot_objects (key);
    CREATE TABLE IF NOT EXISTS run_files (key TEXT PRIMARY KEY, entry TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS run_objects (key TEXT PRIMARY KEY, etag TEXT NOT NULL, bytes INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS restore_items (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL, etag TEXT);
  `);
}

export function getMeta<T>(sql: SqlStorage, key: string): T | null {
  const value = sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray()[0]?.value;
  return value === undefined ? null : (JSON.parse(value) as T);
}

export function setMeta(sql: SqlStorage, key: string, value: unknown): void {
  if (value === null) sql.exec(`DELETE FROM meta WHERE key = ?`, key);
  else sql.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, JSON.stringify(value));
}

export interface SnapshotRow {
  id: string;
  kind: 'daily' | 'full';
  taken_at: number;
  erasure_mark: number;
  files: number;
  objects: number;
  bytes: number;
  rewritten_at: number | null;
  [column: string]: SqlStorageValue;
}

export function listSnapshotRows(sql: SqlStorage): SnapshotRow[] {
  return sql.exec<SnapshotRow>(`SELECT * FROM snapshots ORDER BY taken_at DESC, id DESC`).toArray();
}

export function dropSnapshotRow(sql: SqlStorage, id: string): void {
  sql.exec(`DELETE FROM snapshot_objects WHERE snapshot_id = ?`, id);
  sql.exec(`DELETE FROM snapshots WHERE id = ?`, id);
}

/** Objects the backup holds that no snapshot refers to (after a run: what erasure, retention and compaction removed). */
export function unreferencedObjects(sql: SqlStorage, limit: number): string[] {
  return sql
    .exec<{ key: string }>(`SELECT key FROM objects o WHERE NOT EXISTS (SELECT 1 FROM snapshot_objects s WHERE s.key = o.key) AND NOT EXISTS (SELECT 1 FROM run_objects r WHERE r.key = o.key) LIMIT ?`, limit)
    .toArray()
    .map((r) => r.key);
}
