import { z } from 'zod';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { healthOf } from '../stubs';
import { HEALTH_RETENTION_DAYS } from './failure-counts';
import { flushTally } from './request-tally';

const daysSchema = z.coerce.number().int().min(1).max(HEALTH_RETENTION_DAYS);

/**
 * GET /v1/sites/<site>/failures?days=30: per UTC day, the operations counted for the failure rate and those that
 * failed, the rate per day and over the range against the 0.3 % requirement (failure-counts.ts).
 */
export async function handleFailures(url: URL, env: Env, siteId: string, headers: Record<string, string>): Promise<Response> {
  const raw = url.searchParams.get('days') ?? '30';
  const days = daysSchema.safeParse(raw);
  if (!days.success) throw new HttpError(400, 'invalid_days', `days must be a whole number from 1 to ${HEALTH_RETENTION_DAYS}, got "${raw.slice(0, 20)}"`);
  await flushTally(env, siteId);
  const report = await healthOf(env, siteId).report(days.data);
  return jsonResponse({ site: siteId, ...report, generatedAt: new Date().toISOString() }, 200, { ...headers, 'cache-control': 'no-store' });
}
