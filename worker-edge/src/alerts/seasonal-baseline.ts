import type { TimeWindow } from '../buffer/counters';
import { DAY_MS } from '@privacy-analytics/core/time';

export { DAY_MS };
export const WEEK_MS = 7 * DAY_MS;
/** 1.4826 * MAD estimates the standard deviation of normally distributed values. */
export const MAD_SCALE = 1.4826;
/** Fewer comparison windows than this give no usable median and MAD. */
export const MIN_BASELINE_WINDOWS = 3;

export type Direction = 'drop' | 'spike' | 'both';

export interface BaselineSpec {
  /** The same time-of-day window on each of the previous `days` days. */
  days: number;
  /** The same weekday and time window in each of the previous `weeks` weeks. */
  weeks: number;
}

export interface ThresholdSpec {
  /** How many robust standard deviations away from the median a value must be. */
  k: number;
  /** And by how much, relative to the median (0.2: 20 %). */
  minRelativeChange: number;
  /** Below this baseline median the site is too quiet to judge: no alert. */
  minBaselineVolume: number;
}

export type Outcome = 'drop' | 'spike' | 'normal' | 'quiet' | 'insufficient_baseline';

export interface Assessment {
  outcome: Outcome;
  value: number;
  median: number | null;
  mad: number | null;
  /** max(1.4826 * MAD, sqrt(median)): the spread the threshold uses. */
  spread: number | null;
  lower: number | null;
  upper: number | null;
  /** (value - median) / median; null when the median is 0 or unknown. */
  relativeChange: number | null;
  baselineValues: number[];
}

/** Distinct offsets (ms before the current window) of the comparison windows, nearest first. */
export function baselineOffsets(spec: BaselineSpec): number[] {
  const offsets = new Set<number>();
  for (let day = 1; day <= spec.days; day++) offsets.add(day * DAY_MS);
  for (let week = 1; week <= spec.weeks; week++) offsets.add(week * WEEK_MS);
  return [...offsets].sort((a, b) => a - b);
}

export function baselineWindows(current: TimeWindow, spec: BaselineSpec): TimeWindow[] {
  return baselineOffsets(spec).map((offset) => ({ from: current.from - offset, to: current.to - offset }));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function medianAbsoluteDeviation(values: readonly number[], center = median(values)): number {
  return median(values.map((value) => Math.abs(value - center)));
}

/**
 * Compares a window's value with the same window on earlier days and weeks. A drop needs
 * value < median - k * spread and a fall of at least minRelativeChange; a spike the mirror image.
 * The spread is 1.4826 * MAD, but never less than sqrt(median), the Poisson noise of a count:
 * a baseline that happens to be perfectly regular must not make every small wobble an anomaly.
 */
export function assess(value: number, baselineValues: readonly number[], direction: Direction, threshold: ThresholdSpec): Assessment {
  const base: Assessment = { outcome: 'insufficient_baseline', value, median: null, mad: null, spread: null, lower: null, upper: null, relativeChange: null, baselineValues: [...baselineValues] };
  if (baselineValues.length < MIN_BASELINE_WINDOWS) return base;
  const center = median(baselineValues);
  const mad = medianAbsoluteDeviation(baselineValues, center);
  const spread = Math.max(MAD_SCALE * mad, Math.sqrt(center));
  const lower = center - threshold.k * spread;
  const upper = center + threshold.k * spread;
  const relativeChange = center > 0 ? (value - center) / center : null;
  const assessed = { ...base, median: center, mad, spread, lower, upper, relativeChange };
  if (center < threshold.minBaselineVolume || center === 0) return { ...assessed, outcome: 'quiet' };
  const change = relativeChange!;
  if (direction !== 'spike' && value < lower && -change >= threshold.minRelativeChange) return { ...assessed, outcome: 'drop' };
  if (direction !== 'drop' && value > upper && change >= threshold.minRelativeChange) return { ...assessed, outcome: 'spike' };
  return { ...assessed, outcome: 'normal' };
}

/**
 * A rate (conversions per visit) against the same window on earlier days: the median and MAD of the earlier rates, and
 * a spread never below the binomial standard error of the current window, sqrt(p(1-p)/visits) with p the baseline
 * median (the noise a window of this many visits has anyway). `minBaselineVolume` applies to the visits: below that
 * median (or with no visits now) the window is too small to judge.
 */
export function assessRate(
  current: { conversions: number; visits: number },
  baseline: readonly { conversions: number; visits: number }[],
  direction: Direction,
  threshold: ThresholdSpec,
): Assessment {
  const rate = (p: { conversions: number; visits: number }) => (p.visits > 0 ? p.conversions / p.visits : 0);
  const value = rate(current);
  const usable = baseline.filter((p) => p.visits > 0);
  const baselineValues = usable.map(rate);
  const base: Assessment = { outcome: 'insufficient_baseline', value, median: null, mad: null, spread: null, lower: null, upper: null, relativeChange: null, baselineValues };
  if (usable.length < MIN_BASELINE_WINDOWS) return base;
  const center = median(baselineValues);
  const mad = medianAbsoluteDeviation(baselineValues, center);
  // a ratio of two counts (funnel_rate) may pass 1: the binomial floor uses p within [0, 1]
  const p = Math.min(1, Math.max(0, center));
  const binomial = current.visits > 0 ? Math.sqrt((p * (1 - p)) / current.visits) : 0;
  const spread = Math.max(MAD_SCALE * mad, binomial);
  const lower = center - threshold.k * spread;
  const upper = center + threshold.k * spread;
  const relativeChange = center > 0 ? (value - center) / center : null;
  const assessed = { ...base, median: center, mad, spread, lower, upper, relativeChange };
  const visitsMedian = median(usable.map((p) => p.visits));
  if (visitsMedian < threshold.minBaselineVolume || current.visits < threshold.minBaselineVolume / 2 || center === 0) return { ...assessed, outcome: 'quiet' };
  const change = relativeChange!;
  if (direction !== 'spike' && value < lower && -change >= threshold.minRelativeChange) return { ...assessed, outcome: 'drop' };
  if (direction !== 'drop' && value > upper && change >= threshold.minRelativeChange) return { ...assessed, outcome: 'spike' };
  return { ...assessed, outcome: 'normal' };
}
