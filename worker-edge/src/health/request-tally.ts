import type { Env } from '../env';
import { healthOf } from '../stubs';
import { utcDate, type HealthCounts } from './failure-counts';

/**
 * Requests are counted in the isolate and written to the site's SiteHealth at most every TALLY_FLUSH_MS (one Durable
 * Object write per request would double the ingest path's writes), and at once when one was answered 5xx, so a failure
 * is never the count that is lost. An isolate evicted between writes loses up to that many seconds of totals: the rate
 * can only come out higher than it was, never lower.
 */
export const TALLY_FLUSH_MS = 10_000;

interface SiteTally {
  byDate: Record<string, HealthCounts>;
  since: number;
}

const tallies = new Map<string, SiteTally>();

/** Counts one answered request of `site`; returns the write to wait for (ctx.waitUntil), or null when it waits. */
export function tallyRequest(env: Env, site: string, status: number, now: number = Date.now()): Promise<void> | null {
  const tally = tallies.get(site) ?? { byDate: {}, since: now };
  tallies.set(site, tally);
  const counts = (tally.byDate[utcDate(now)] ??= {});
  counts.requests = (counts.requests ?? 0) + 1;
  if (status >= 500) counts.requests_5xx = (counts.requests_5xx ?? 0) + 1;
  if (status < 500 && now - tally.since < TALLY_FLUSH_MS) return null;
  return flushTally(env, site);
}

/** Writes the site's pending request counts (tests call it to settle the isolate's tally). */
export async function flushTally(env: Env, site: string): Promise<void> {
  const tally = tallies.get(site);
  if (!tally) return;
  tallies.delete(site);
  try {
    await healthOf(env, site).recordDays(tally.byDate);
  } catch (error) {
    console.warn(JSON.stringify({ warning: 'health_count_lost', site, counts: tally.byDate, error: error instanceof Error ? error.message : String(error) }));
  }
}
