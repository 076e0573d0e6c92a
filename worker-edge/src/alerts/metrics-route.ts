import type { Env } from '../env';
import { jsonResponse } from '../http/http-error';
import { minuteWindow, readSiteCounters, readSitePersons } from '../live/site-counters';

/**
 * GET /v1/sites/<site>/metrics?minutes=60 (viewer): events, distinct persons and conversions per
 * minute, over every buffer shard, for the live panel and the alert views (kept 49 hours).
 */
export async function handleMetrics(url: URL, env: Env, siteId: string, headers: Record<string, string>): Promise<Response> {
  const { since, now: nowMinute } = minuteWindow(url, 60);
  const [{ perMinute }, persons] = await Promise.all([readSiteCounters(env, siteId, since, nowMinute), readSitePersons(env, siteId, since)]);
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
      generatedAt: new Date().toISOString(),
    },
    200,
    { ...headers, 'cache-control': 'no-store' },
  );
}
