import { runtimeSettings, type SiteConfig } from '../config/sites';
import type { Env } from '../env';
import { effectiveRetention, retentionCutoff } from '../lifecycle/retention-policy';
import { catalogOf } from '../stubs';

/**
 * The oldest event ingest accepts for a site: the start of the day `min(horizon, retention)` days before today (UTC),
 * the same day-aligned cutoff retention deletes by, so nothing accepted is due for deletion already. Older messages are
 * refused one by one as `timestamp_too_old` (the rest of their batch is stored).
 */
export interface OldestAccepted {
  ms: number;
  why: string;
}

/** An admin's retention override (SiteState) is read at most this often per isolate and site. */
const RETENTION_OVERRIDE_TTL_MS = 5 * 60_000;
const retentionOverrides = new Map<string, { days: number | null; readAt: number }>();

export async function oldestAcceptedFor(site: SiteConfig, env: Env, now: number): Promise<OldestAccepted> {
  const horizonDays = site.ingestHorizonDays ?? runtimeSettings(env).ingestHorizonDays;
  const { retentionDays } = effectiveRetention(site.retentionDays, await retentionOverride(site, env, now));
  const days = Math.min(horizonDays, retentionDays);
  const cutoff = retentionCutoff(now, days);
  const why =
    retentionDays < horizonDays
      ? `the oldest date site "${site.id}" keeps (retention ${days} days)`
      : `the oldest date this collector accepts for site "${site.id}" (ingest horizon ${days} days)`;
  return { ms: Date.parse(`${cutoff}T00:00:00Z`), why };
}

async function retentionOverride(site: SiteConfig, env: Env, now: number): Promise<number | null> {
  const cached = retentionOverrides.get(site.id);
  if (cached && now - cached.readAt < RETENTION_OVERRIDE_TTL_MS) return cached.days;
  try {
    const days = await catalogOf(env, site.id).retentionOverride();
    retentionOverrides.set(site.id, { days, readAt: now });
    return days;
  } catch (error) {
    // Ingest goes on by the configured retention; the lifecycle deletes by the override in any case.
    console.warn(JSON.stringify({ warning: 'retention_override_unread', site: site.id, error: error instanceof Error ? error.message : String(error) }));
    return cached?.days ?? null;
  }
}
