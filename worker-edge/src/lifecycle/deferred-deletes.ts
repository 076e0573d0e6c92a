/**
 * The `deferred_deletes` table of SiteLifecycle: objects already dropped from the manifest that
 * still wait in R2, e.g. compaction inputs kept for readers holding an older manifest. Writing
 * the key here before the manifest forgets it means a crash can never orphan an object.
 */

import { eventKeyOfRollup } from '@privacy-analytics/core/rollups';
import { withRollupKeys } from '../storage/event-file-store';
import type { JobContext } from './job-context';

/** R2 deletes at most 1,000 keys per call. */
export const R2_DELETE_BATCH = 1000;

export function createDeferredDeleteTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS deferred_deletes (key TEXT PRIMARY KEY, due_at INTEGER NOT NULL, reason TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS deferred_deletes_by_due ON deferred_deletes (due_at);
  `);
}

/** Event files are scheduled with their rollups (rollups/… beside events/…): one never outlives the other. */
export function scheduleDeletes(sql: SqlStorage, keys: readonly string[], dueAt: number, reason: string): void {
  for (const key of withRollupKeys(keys)) {
    sql.exec(
      `INSERT INTO deferred_deletes (key, due_at, reason) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET due_at = MIN(due_at, excluded.due_at)`,
      key, dueAt, reason,
    );
  }
}

/** Whether `key` is unlisted but still kept for readers holding an older manifest (a compaction input in its grace period). */
export function isKeptForReaders(sql: SqlStorage, key: string, now: number): boolean {
  return sql.exec(`SELECT 1 FROM deferred_deletes WHERE key = ? AND due_at > ?`, key, now).toArray().length > 0;
}

export function nextDeleteDue(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>(`SELECT MIN(due_at) AS t FROM deferred_deletes`).one().t;
}

/**
 * Deletes up to one batch of objects due by `now`; returns how many left the table. The manifest is asked first: an
 * object whose file (for a rollup: its event file) is listed again is not deleted, only unscheduled. That is what
 * lets compaction schedule its inputs' deletion before it switches the manifest (a crash or a lost race in between
 * leaves them listed, so they stay), and no deferred delete can take a listed file away.
 */
export async function deleteDueObjects(ctx: Pick<JobContext, 'sql' | 'storage' | 'env' | 'catalog'>, now: number): Promise<number> {
  const keys = ctx.sql
    .exec<{ key: string }>(`SELECT key FROM deferred_deletes WHERE due_at <= ? ORDER BY due_at LIMIT ?`, now, R2_DELETE_BATCH)
    .toArray()
    .map((r) => r.key);
  if (keys.length === 0) return 0;
  const eventKey = (key: string) => eventKeyOfRollup(key) ?? key;
  const listed = new Set(await ctx.catalog.listedKeys([...new Set(keys.map(eventKey))]));
  const gone = keys.filter((key) => !listed.has(eventKey(key)));
  if (gone.length > 0) await ctx.env.EVENTS.delete(gone);
  if (gone.length < keys.length) console.warn(`deferred deletes: ${keys.length - gone.length} object(s) kept, their files are listed in the manifest`);
  ctx.storage.transactionSync(() => {
    for (const key of keys) ctx.sql.exec(`DELETE FROM deferred_deletes WHERE key = ?`, key);
  });
  return keys.length;
}
