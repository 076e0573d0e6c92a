import { HyperLogLog } from '../buffer/hyperloglog';
import { runtimeSettings } from '../config/sites';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { bufferStub } from '../ingest/ingest-route';

/**
 * GET /v1/sites/<site>/metrics?minutes=60 (viewer): events, distinct persons and conversions per
 * minute, over every buffer shard, for the live panel and the alert views (kept 49 hours).
 */
export async function handleMetrics(url: URL, env: Env, siteId: string, headers: Record<string, string>): Promise<Response> {
  const minutesText = url.searchParams.get('minutes') ?? '60';
  const minutes = Number(minutesText);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 48 * 60) {
    throw new HttpError(400, 'invalid_parameter', `minutes: expected an integer from 1 to 2880, got "${minutesText.slice(0, 40)}"`);
  }
  const nowMinute = Math.floor(Date.now() / 60_000);
  const since = nowMinute - minutes + 1;
  const shards = Array.from({ length: runtimeSettings(env).bufferShards }, (_, shard) => bufferStub(env, siteId, shard));
  const [counters, persons] = await Promise.all([Promise.all(shards.map((s) => s.counters(since))), Promise.all(shards.map((s) => s.personMinutes(since)))]);
  const rows = new Map<number, { events: number; persons: HyperLogLog | null; conversions: number }>();
  for (let minute = since; minute <= nowMinute; minute++) rows.set(minute, { events: 0, persons: null, conversions: 0 });
  for (const series of counters) {
    for (const { minute, metric, count } of series.minutes) {
      const row = rows.get(minute);
      if (!row) continue;
      if (metric === 'accepted') row.events += count;
      else if (metric === 'conversions') row.conversions += count;
    }
  }
  for (const series of persons) {
    for (const { minute, sketch } of series) {
      const row = rows.get(minute);
      if (row) row.persons = (row.persons ?? new HyperLogLog()).merge(HyperLogLog.decode(sketch));
    }
  }
  return jsonResponse(
    {
      site: siteId,
      minutes: [...rows].map(([minute, row]) => ({ minute: new Date(minute * 60_000).toISOString(), events: row.events, persons: row.persons?.estimate() ?? 0, conversions: row.conversions })),
      generatedAt: new Date().toISOString(),
    },
    200,
    { ...headers, 'cache-control': 'no-store' },
  );
}
