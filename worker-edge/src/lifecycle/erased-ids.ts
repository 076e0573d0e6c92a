/**
 * The `erased_ids` table of the SiteState: hashed ids of people who asked to be erased. Ingest
 * shards keep a copy and drop new events carrying any of them; a new shard copies the set.
 */
export function createErasedIdTables(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS erased_ids (hashed_id TEXT PRIMARY KEY, request_id TEXT NOT NULL, added_at INTEGER NOT NULL)`);
}

export function addErasedIds(sql: SqlStorage, ids: readonly string[], requestId: string, now: number): void {
  for (const id of ids) sql.exec(`INSERT OR IGNORE INTO erased_ids (hashed_id, request_id, added_at) VALUES (?, ?, ?)`, id, requestId, now);
}

export function erasedIds(sql: SqlStorage): string[] {
  return sql.exec<{ hashed_id: string }>(`SELECT hashed_id FROM erased_ids ORDER BY hashed_id`).toArray().map((r) => r.hashed_id);
}
