/** How often a dashboard connected to an edge re-syncs from the manifest while its tab is visible. */
export const AUTO_REFRESH_MS = 60_000;
/**
 * The edge writes buffered events to files at most every FLUSH_INTERVAL_SECONDS (30 s by default, 60 s at most). The
 * edge's files are late when the oldest acknowledged event not yet written has waited longer than two of the longest
 * flush intervals; the dashboard's copy is late when its last successful re-sync is more than two intervals old.
 */
export const MAX_FLUSH_INTERVAL_MS = 60_000;
export const LATE_FLUSH_LAG_MS = 2 * MAX_FLUSH_INTERVAL_MS;

export type Freshness = { state: 'unknown'; reason: string } | { state: 'fresh' } | { state: 'late'; reason: string };

/**
 * Whether the data on screen is as fresh as it should be. Event times say nothing here (a backfill or an offline
 * SDK sends old events now), so freshness is judged by the pipeline: how long the edge has held events it has not yet
 * written (`flushLagSeconds` from GET …/metrics) and how long ago the dashboard last synced successfully.
 */
export function judgeFreshness(input: { now: number; lastSyncAt: number | null; syncError: string | null; flushLagSeconds: number | null }): Freshness {
  const { now, lastSyncAt, syncError, flushLagSeconds } = input;
  if (lastSyncAt !== null && now - lastSyncAt > 2 * AUTO_REFRESH_MS) {
    const minutes = Math.round((now - lastSyncAt) / 60_000);
    return { state: 'late', reason: `data is late: last synced ${minutes} minutes ago${syncError ? ` (re-syncing failed: ${syncError})` : ''}` };
  }
  if (flushLagSeconds !== null && flushLagSeconds * 1000 > LATE_FLUSH_LAG_MS) {
    return { state: 'late', reason: `data is late: the edge has held events for ${flushLagSeconds} s without writing them to files (expected under ${LATE_FLUSH_LAG_MS / 1000} s)` };
  }
  if (lastSyncAt === null || flushLagSeconds === null) return { state: 'unknown', reason: syncError ?? 'not synced yet' };
  return { state: 'fresh' };
}
