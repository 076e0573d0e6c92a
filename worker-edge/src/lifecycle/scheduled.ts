import { loadSitesConfig } from '../config/sites';
import type { Env } from '../env';
import { lifecycleOf } from '../stubs';

/** The cron trigger: every site's SiteLifecycle checks retention and compaction (the work runs in its alarm). */
export async function runScheduledLifecycle(env: Env): Promise<void> {
  const sites = [...loadSitesConfig(env).sites.keys()];
  const results = await Promise.allSettled(sites.map((site) => lifecycleOf(env, site).tick(site)));
  results.forEach((result, i) => {
    if (result.status === 'rejected') console.error(`scheduled lifecycle tick of site "${sites[i]}" failed`, result.reason);
  });
}
