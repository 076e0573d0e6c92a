import { bucketLabelUtc, bucketStart, timeBuckets, type OverviewSpec } from './overview';
import { DAY_MS } from './sql';

/** One event file as the manifest (or the cache's index) describes it: its row count and the span of its timestamps. */
export interface FileSpan {
  rows: number;
  minTime: string;
  maxTime: string;
}

/** Events per bucket: the part of the chart over time that a file index can answer. */
export interface EventCountPoint {
  bucket: string;
  events: number;
}

/**
 * The events-over-time series of `spec` from the files' row counts alone, before any file is read: exact when the
 * spec has no filters and every file in the range lies within one bucket and within the range (hourly files, or
 * daily ones at day or week granularity). Null when that is not so: the series then needs the events themselves.
 * Files entirely outside the range do not count, as in seriesQuery.
 */
export function seriesFromFileIndex(files: readonly FileSpan[] | null, spec: OverviewSpec): EventCountPoint[] | null {
  if (!files || files.length === 0 || spec.filters.length > 0) return null;
  const start = Date.parse(`${spec.from}T00:00:00Z`);
  const end = Date.parse(`${spec.to}T00:00:00Z`) + DAY_MS;
  if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) return null;
  const counts = new Map<string, number>();
  for (const file of files) {
    const min = Date.parse(file.minTime);
    const max = Date.parse(file.maxTime);
    if (!Number.isFinite(min) || !Number.isFinite(max) || min > max || !Number.isInteger(file.rows) || file.rows < 0) return null;
    if (max < start || min >= end) continue;
    if (min < start || max >= end) return null;
    const bucket = bucketStart(min, spec.granularity);
    if (bucketStart(max, spec.granularity) !== bucket) return null;
    const key = bucketLabelUtc(bucket);
    counts.set(key, (counts.get(key) ?? 0) + file.rows);
  }
  return timeBuckets(spec.from, spec.to, spec.granularity).map((bucket) => ({ bucket, events: counts.get(bucket) ?? 0 }));
}

export const seriesTotal = (points: readonly EventCountPoint[]): number => points.reduce((n, p) => n + p.events, 0);
