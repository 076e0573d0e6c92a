import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { readSiteCounters, readSitePersons } from '../live/site-counters';

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
