import type { SiteConfig } from '../config/sites';
import type { Env } from '../env';
import { HttpError } from '../http/http-error';

/**
 * Ingest's two limits (README "Limits"). Per client address: the INGEST_RATE_LIMITER binding, checked before anything
 * else, the body included. Per site: `maxEventsPerMinute`, counted where the events are stored (each buffer shard
 * takes its share, see IngestBuffer.append); once a shard refuses, this isolate answers 429 for the site until the
 * minute ends without reading another body.
 */

/** The binding's period (wrangler.toml `[[ratelimits]]`): a refused client may try again after it. */
const ADDRESS_LIMIT_PERIOD_SECONDS = 10;

export async function enforceAddressLimit(request: Request, env: Env): Promise<void> {
  if (!env.INGEST_RATE_LIMITER) return;
  // The client address keys the limiter in memory only; it is never written anywhere.
  const address = request.headers.get('cf-connecting-ip') ?? 'unknown';
  const { success } = await env.INGEST_RATE_LIMITER.limit({ key: address });
  if (!success) {
    throw new HttpError(
      429,
      'rate_limited',
      `too many requests from this address (the collector's per-address limit); retry after ${ADDRESS_LIMIT_PERIOD_SECONDS} s`,
      {},
      { 'retry-after': String(ADDRESS_LIMIT_PERIOD_SECONDS) },
    );
  }
}

/** Sites over their quota, until the epoch ms when their minute ends (this isolate's memory). */
const overQuotaUntil = new Map<string, number>();

/** Answers 429 at once when a shard refused this site earlier in the current minute. */
export function refuseIfOverQuota(site: SiteConfig, now: number): void {
  const until = overQuotaUntil.get(site.id);
  if (until === undefined) return;
  if (now >= until) {
    overQuotaUntil.delete(site.id);
    return;
  }
  throw siteQuotaExceeded(site, until, now);
}

/** A shard refused this site's events: remember it until the minute ends and answer 429. */
export function overQuota(site: SiteConfig, now: number, details: Record<string, unknown>): HttpError {
  const until = (Math.floor(now / 60_000) + 1) * 60_000;
  overQuotaUntil.set(site.id, until);
  return siteQuotaExceeded(site, until, now, details);
}

function siteQuotaExceeded(site: SiteConfig, until: number, now: number, details: Record<string, unknown> = {}): HttpError {
  const retryAfter = Math.max(1, Math.ceil((until - now) / 1000));
  return new HttpError(
    429,
    'site_quota_exceeded',
    `site "${site.id}" has stored its quota of ${site.maxEventsPerMinute} events this minute; retry after ${retryAfter} s (events already accepted from this batch are deduplicated on retry)`,
    details,
    { 'retry-after': String(retryAfter) },
  );
}

/** One shard's share of the site's quota: events are spread over the shards by id, so evenly. */
export function shardQuota(site: SiteConfig, shards: number): number | null {
  return site.maxEventsPerMinute === undefined ? null : Math.max(1, Math.ceil(site.maxEventsPerMinute / shards));
}
