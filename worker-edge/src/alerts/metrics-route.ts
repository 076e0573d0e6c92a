import type { Env } from '../env';
import { jsonResponse } from '../http/http-error';
import { minuteWindow, readSiteCounters, readSitePersons } from '../live/site-counters';
import { buffersOf } from '../stubs';
import { unflushedSeconds } from '../buffer/ingest-buffer';

/**
 * GET /v1/sites/<site>/metrics?minutes=60 (viewer): events, distinct persons and conversions per
 * minute, over every buffer shard, for the live panel and the alert views (kept 49 hours); and each shard's flush
 * lag (the age of its oldest acknowledged event not yet written to R2) and storage (its SQLite size, the event ids it
 * remembers for deduplication) for monitoring.
 */
export async function handleMetrics(url: URL, env: Env, siteId: string, headers: Record<string, string>): Promise<Response> {
  const { since, now: nowMinute } = minuteWindow(url, 60);
  const buffers = buffersOf(env, siteId);
  const [{ perMinute }, persons, lags, storage] = await Promise.all([
    readSiteCounters(env, siteId, since, nowMinute),
    readSitePersons(env, siteId, since),
    Promise.all(buffers.map((buffer) => buffer.flushLag())),
    Promise.all(buffers.map((buffer) => buffer.storage())),
  ]);
  const now = Date.now();
  const shards = lags.map((lag, shard) => ({
    shard,
    bufferedRows: lag.bufferedRows,
    oldestUnflushedAt: lag.oldestUnflushedAt === null ? null : new Date(lag.oldestUnflushedAt).toISOString(),
    oldestUnflushedSeconds: unflushedSeconds(lag, now),
    flushAttempts: lag.planAttempts,
    storageBytes: storage[shard]!.databaseBytes,
    dedupTables: storage[shard]!.dedupTables,
    dedupIds: storage[shard]!.dedupIds,
  }));
  const rows = [...perMinute].map(([minute, counts]) => ({
    minute: new Date(minute * 60_000).toISOString(),
    events: counts.accepted ?? 0,
    persons: persons.get(minute)?.estimate() ?? 0,
    conversions: counts.conversions ?? 0,
  }));
  return jsonResponse(
    {
      site: siteId,
      minutes: rows,
      // the age of the oldest acknowledged event not yet in R2, per buffer shard and at most over them
      flushLagSeconds: Math.max(0, ...shards.map((s) => s.oldestUnflushedSeconds)),
      shards,
      generatedAt: new Date().toISOString(),
    },
    200,
    { ...headers, 'cache-control': 'no-store' },
  );
}
