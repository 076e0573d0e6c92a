import { loadSitesConfig } from '../config/sites';
import type { Env } from '../env';
import { backupOf } from '../stubs';

/** The cron trigger: each site's SiteBackup starts the day's run if none ran today (the work runs in its alarm). */
export async function runScheduledBackups(env: Env, now: number): Promise<void> {
  const sites = [...loadSitesConfig(env).sites.keys()];
  const results = await Promise.allSettled(sites.map((site) => backupOf(env, site).tick(site, now)));
  results.forEach((result, i) => {
    if (result.status === 'rejected') console.error(`scheduled backup tick of site "${sites[i]}" failed`, result.reason);
  });
}
