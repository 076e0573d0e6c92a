import type { Env } from '../env';
import { healthOf } from '../stubs';
import type { HealthCounts } from './failure-counts';

/** Counts toward the site's failure rate; counting never fails the operation it counts (a lost count is logged). */
export async function countHealth(env: Env, site: string, counts: HealthCounts, at: number = Date.now()): Promise<void> {
  try {
    await healthOf(env, site).record(counts, at);
  } catch (error) {
    console.warn(JSON.stringify({ warning: 'health_count_lost', site, counts, error: error instanceof Error ? error.message : String(error) }));
  }
}
