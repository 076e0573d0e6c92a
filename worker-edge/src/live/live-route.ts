import type { Env } from '../env';
import { jsonResponse } from '../http/http-error';
import { minuteWindow, readSiteCounters } from './site-counters';

/**
 * GET /v1/sites/<site>/live?minutes=30: per-minute counts from the ingest buffers (accepted,
 * duplicates, bots, rejections by reason) plus per-day totals, for the live panel and data quality.
 */
export async function handleLive(url: URL, env: Env, siteId: string, headers: Record<string, string>): Promise<Response> {
  const { since, now: nowMinute } = minuteWindow(url, 30);
  const { perMinute, daily } = await readSiteCounters(env, siteId, since, nowMinute);
  return jsonResponse(
    {
      site: siteId,
      minutes: [...perMinute].map(([minute, counts]) => ({ minute: new Date(minute * 60_000).toISOString(), ...counts })),
      daily: [...daily].map(([date, counts]) => ({ date, ...counts })),
      generatedAt: new Date().toISOString(),
    },
    200,
    { ...headers, 'cache-control': 'no-store' },
  );
}
