import type { Env } from '../env';
import { FAILURE_LIMIT_PERCENT } from '../health/failure-counts';
import { flushTally } from '../health/request-tally';
import { healthOf } from '../stubs';
import type { Assessment } from './seasonal-baseline';

/** The alert metric `failure_rate`: failed operations over all operations of the current UTC day, in percent. */
export const FAILURE_RATE_METRIC = 'failure_rate';
export const DEFAULT_FAILURE_RATE_LIMIT_PERCENT = FAILURE_LIMIT_PERCENT;
/** Below this many operations in the day a rate says little (one failure in ten is 10 %): the rule stays quiet. */
export const DEFAULT_FAILURE_RATE_MIN_OPERATIONS = 100;

export interface FailureRateNow {
  ratePercent: number;
  operations: number;
  failures: number;
}

export async function currentFailureRate(env: Env, site: string, now: number): Promise<FailureRateNow> {
  await flushTally(env, site);
  const { total } = await healthOf(env, site).report(1, now);
  return { ratePercent: total.ratePercent ?? 0, operations: total.operations, failures: total.failures };
}

/** A fixed limit, like flush_lag: the requirement is a ceiling, not a deviation from a usual level. `upper` is the limit. */
export function assessFailureRate(rate: FailureRateNow, limitPercent: number, minOperations: number): Assessment {
  const outcome = rate.operations < minOperations ? 'quiet' : rate.ratePercent > limitPercent ? 'spike' : 'normal';
  return { outcome, value: rate.ratePercent, median: null, mad: null, spread: null, lower: null, upper: limitPercent, relativeChange: null, baselineValues: [] };
}

export function failureRateMessage(site: string, ruleName: string, rate: FailureRateNow, limitPercent: number): string {
  return (
    `[${site}] failure rate: ${rate.failures} of ${rate.operations} operations today failed (${rate.ratePercent.toFixed(3)} %, limit ${limitPercent} %): ` +
    `5xx answers, failed flushes or compactions, deliveries given up. See GET /v1/sites/${site}/failures and the worker logs. Rule: ${ruleName}`
  );
}
