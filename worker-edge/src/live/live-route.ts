import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { readSiteCounters } from './site-counters';

/**
 * GET /v1/sites/<site>/live?minutes=30: per-minute counts from the ingest buffers (accepted,
 * duplicates, bots, rejections by reason) plus per-day totals, for the live panel and data quality.
 */
export async function handleLive(url: URL, env: Env, siteId: string, headers: Record<string, string>): Promise<Response> {
  const minutesText = url.searchParams.get('minutes') ?? '30';
  const minutes = Number(minutesText);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 48 * 60) {
    throw new HttpError(400, 'invalid_parameter', `minutes: expected an integer from 1 to 2880, got "${minutesText}"`);
  }
  const nowMinute = Math.floor(Date.now() / 60_000);
  const since = nowMinute - minutes + 1;
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
