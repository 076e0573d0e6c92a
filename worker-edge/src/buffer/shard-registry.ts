/**
 * The `buffer_shards` table of the SiteState: every ingest buffer shard that ever took an event for the site. Durable
 * Objects cannot be listed, and BUFFER_SHARDS may have been lowered while a higher shard still held rows; whatever must
 * reach every buffered row (erasure, flush) asks this registry as well as the configuration.
 */
export function createShardRegistryTables(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS buffer_shards (shard INTEGER PRIMARY KEY, joined_at INTEGER NOT NULL)`);
}

export function registerShard(sql: SqlStorage, shard: number, now: number): void {
  sql.exec(`INSERT OR IGNORE INTO buffer_shards (shard, joined_at) VALUES (?, ?)`, shard, now);
}

export function registeredShards(sql: SqlStorage): number[] {
  return sql.exec<{ shard: number }>(`SELECT shard FROM buffer_shards ORDER BY shard`).toArray().map((r) => r.shard);
}
