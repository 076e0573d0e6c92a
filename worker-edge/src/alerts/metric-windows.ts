import { HyperLogLog } from '@privacy-analytics/core/rollups';
import type { TimeWindow } from '../buffer/counters';
import { runtimeSettings } from '../config/sites';
import type { Env } from '../env';
import { buffersOf } from '../stubs';
import { dimensionCounter, eventCounter } from '../buffer/dimension-counters';
import { FUNNEL_RATE_METRIC, parseFilter, RATE_METRIC, type AlertRule } from './alert-rule';

export interface MetricWindows {
  values: number[];
  /** Start of the site's oldest stored 5-minute bucket; windows before it have no data (rather than zero). */
  oldestDataAt: number | null;
}

/** The counter an alert metric reads: `events` are accepted rows; visits / conversions / revenue may be filtered. */
export function counterName(metric: string, filter?: string): string {
  const parsed = parseFilter(filter);
  if (metric === 'visits') return dimensionCounter('visits', parsed);
  if (metric === 'revenue') return dimensionCounter('revenue_cents', parsed);
  if (metric === 'conversions') return dimensionCounter('conversions', parsed);
  return metric === 'events' ? 'accepted' : metric;
}

export interface RuleWindows extends MetricWindows {
  /**
   * conversion_rate rules: each window's conversions and visits (the rate is their quotient, 0 without visits);
   * funnel_rate rules: `conversions` are the events of the step's `to`, `visits` those of its `from`.
   */
  parts?: { conversions: number; visits: number }[];
}

/** The values of a rule's metric (with its filter) over each window. */
export async function readRuleWindows(env: Env, site: string, rule: Pick<AlertRule, 'metric' | 'filter' | 'funnel'>, windows: readonly TimeWindow[]): Promise<RuleWindows> {
  if (rule.metric === FUNNEL_RATE_METRIC && rule.funnel) {
    const filter = parseFilter(rule.filter);
    const [to, from] = await Promise.all([readCounterWindows(env, site, eventCounter(rule.funnel.to, filter), windows), readCounterWindows(env, site, eventCounter(rule.funnel.from, filter), windows)]);
    const parts = windows.map((_, i) => ({ conversions: to.values[i]!, visits: from.values[i]! }));
    return { values: parts.map((p) => (p.visits > 0 ? p.conversions / p.visits : 0)), parts, oldestDataAt: from.oldestDataAt };
  }
  if (rule.metric === RATE_METRIC) {
    const [conversions, visits] = await Promise.all([
      readMetricWindows(env, site, 'conversions', windows, rule.filter),
      readMetricWindows(env, site, 'visits', windows, rule.filter),
    ]);
    const parts = windows.map((_, i) => ({ conversions: conversions.values[i]!, visits: visits.values[i]! }));
    return { values: parts.map((p) => (p.visits > 0 ? p.conversions / p.visits : 0)), parts, oldestDataAt: visits.oldestDataAt };
  }
  const read = await readMetricWindows(env, site, rule.metric, windows, rule.filter);
  return rule.metric === 'revenue' ? { ...read, values: read.values.map((cents) => cents / 100) } : read;
}

/** A metric's value over each window, summed (counters) or unioned (persons) over every buffer shard. */
export async function readMetricWindows(env: Env, site: string, metric: string, windows: readonly TimeWindow[], filter?: string): Promise<MetricWindows> {
  const shards = buffersOf(env, site);
  if (metric === 'persons') {
    const parts = await Promise.all(shards.map((stub) => stub.personWindows(windows)));
    const values = windows.map((_, i) => parts.reduce((sketch, part) => sketch.merge(HyperLogLog.decode(part.sketches[i]!)), new HyperLogLog()).estimate());
    return { values, oldestDataAt: oldest(parts.map((p) => p.oldestBucketAt)) };
  }
  return readCounterWindows(env, site, counterName(metric, filter), windows);
}

/** One counter summed over every buffer shard for each window. */
async function readCounterWindows(env: Env, site: string, counter: string, windows: readonly TimeWindow[]): Promise<MetricWindows> {
  const parts = await Promise.all(buffersOf(env, site).map((stub) => stub.counterWindows(counter, windows)));
  const values = windows.map((_, i) => parts.reduce((sum, part) => sum + part.values[i]!, 0));
  return { values, oldestDataAt: oldest(parts.map((p) => p.oldestBucketAt)) };
}

function oldest(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : Math.min(...known);
}
