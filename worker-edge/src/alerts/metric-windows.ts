import { HyperLogLog } from '@privacy-analytics/core/rollups';
import type { TimeWindow } from '../buffer/counters';
import { runtimeSettings } from '../config/sites';
import type { Env } from '../env';
import { buffersOf } from '../stubs';

export interface MetricWindows {
  values: number[];
  /** Start of the site's oldest stored 5-minute bucket; windows before it have no data (rather than zero). */
  oldestDataAt: number | null;
}

/** The counter an alert metric reads: `events` are accepted rows. */
export function counterName(metric: string): string {
  return metric === 'events' ? 'accepted' : metric;
}

/** A metric's value over each window, summed (counters) or unioned (persons) over every buffer shard. */
export async function readMetricWindows(env: Env, site: string, metric: string, windows: readonly TimeWindow[]): Promise<MetricWindows> {
  const shards = buffersOf(env, site);
  if (metric === 'persons') {
    const parts = await Promise.all(shards.map((stub) => stub.personWindows(windows)));
    const values = windows.map((_, i) => parts.reduce((sketch, part) => sketch.merge(HyperLogLog.decode(part.sketches[i]!)), new HyperLogLog()).estimate());
    return { values, oldestDataAt: oldest(parts.map((p) => p.oldestBucketAt)) };
  }
  const parts = await Promise.all(shards.map((stub) => stub.counterWindows(counterName(metric), windows)));
  const values = windows.map((_, i) => parts.reduce((sum, part) => sum + part.values[i]!, 0));
  return { values, oldestDataAt: oldest(parts.map((p) => p.oldestBucketAt)) };
}

function oldest(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : Math.min(...known);
}
