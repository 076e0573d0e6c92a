import { loadSitesConfig } from '../config/sites';
import type { Env } from '../env';
import { type RuleEvaluation } from './site-alerts';
import { alertsOf } from '../stubs';

/** The cron trigger (every 5 minutes): each site's SiteAlerts evaluates its rules as of `now` (the scheduled time). */
export async function runScheduledAlerts(env: Env, now: number): Promise<Map<string, RuleEvaluation[]>> {
  const sites = [...loadSitesConfig(env).sites.keys()];
  const results = await Promise.allSettled(sites.map((site) => alertsOf(env, site).evaluate(site, now)));
  const evaluations = new Map<string, RuleEvaluation[]>();
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') evaluations.set(sites[i]!, result.value);
    else console.error(`alert evaluation of site "${sites[i]}" failed`, result.reason);
  });
  return evaluations;
}
