import { describe, expect, it } from 'vitest';
import { assess, baselineOffsets, baselineWindows, DAY_MS, median, medianAbsoluteDeviation, WEEK_MS } from '../../src/alerts/seasonal-baseline';

const THRESHOLD = { k: 3, minRelativeChange: 0.2, minBaselineVolume: 10 };

describe('seasonal baseline', () => {
  it('compares with the same window on previous days and weeks, each offset once', () => {
    expect(baselineOffsets({ days: 3, weeks: 0 })).toEqual([DAY_MS, 2 * DAY_MS, 3 * DAY_MS]);
    expect(baselineOffsets({ days: 7, weeks: 2 })).toEqual([1, 2, 3, 4, 5, 6, 7, 14].map((d) => d * DAY_MS));
    expect(baselineOffsets({ days: 0, weeks: 3 })).toEqual([WEEK_MS, 2 * WEEK_MS, 3 * WEEK_MS]);
    expect(baselineWindows({ from: 10 * DAY_MS, to: 10 * DAY_MS + 600_000 }, { days: 1, weeks: 1 })).toEqual([
      { from: 9 * DAY_MS, to: 9 * DAY_MS + 600_000 },
      { from: 3 * DAY_MS, to: 3 * DAY_MS + 600_000 },
    ]);
  });

  it('median and MAD, by hand', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    // median 4; |x - 4| = 3, 1, 1, 0, 96 -> MAD 1, unmoved by the outlier
    expect(median([1, 5, 3, 4, 100])).toBe(4);
    expect(medianAbsoluteDeviation([1, 5, 3, 4, 100])).toBe(1);
    expect(() => median([])).toThrow('median of no values');
  });
});

describe('robust threshold', () => {
  // median 100, MAD 4 (|x - 100| = 4, 6, 0, 4, 2, 8, 3), spread max(1.4826 * 4, sqrt(100)) = 10
  const baseline = [96, 106, 100, 104, 98, 92, 103];

  it('flags a drop below median - k * spread that is also 20 % down', () => {
    const drop = assess(69, baseline, 'drop', THRESHOLD);
    expect(drop).toMatchObject({ outcome: 'drop', median: 100, mad: 4, spread: 10, lower: 70, upper: 130, relativeChange: -0.31 });
    expect(assess(71, baseline, 'drop', THRESHOLD).outcome).toBe('normal');
    expect(assess(69, baseline, 'spike', THRESHOLD).outcome).toBe('normal');
    expect(assess(131, baseline, 'both', THRESHOLD).outcome).toBe('spike');
  });

  it('uses 1.4826 * MAD when it exceeds the Poisson floor', () => {
    // median 100; |x - 100| = 0, 20, 20, 30, 30, 10, 10 -> MAD 20, spread 29.652, lower bound 11.044
    const wide = [100, 120, 80, 130, 70, 110, 90];
    const result = assess(11, wide, 'drop', THRESHOLD);
    expect(result).toMatchObject({ outcome: 'drop', median: 100, mad: 20 });
    expect(result.spread).toBeCloseTo(29.652, 6);
    expect(result.lower).toBeCloseTo(11.044, 6);
    expect(assess(12, wide, 'drop', THRESHOLD).outcome).toBe('normal');
  });

  it('also needs the minimum relative change on large volumes', () => {
    const big = [10_000, 10_050, 9_950, 10_020, 9_980, 10_010, 9_990]; // spread = max(1.4826 * 20, 100) = 100
    expect(assess(9_000, big, 'drop', THRESHOLD).outcome).toBe('normal'); // 10 sigma, but only -10 %
    expect(assess(7_900, big, 'drop', THRESHOLD).outcome).toBe('drop');
  });

  it('stays silent for quiet baselines and with fewer than 3 comparison windows', () => {
    expect(assess(0, [8, 9, 7, 8], 'drop', THRESHOLD)).toMatchObject({ outcome: 'quiet', median: 8 });
    expect(assess(0, [0, 0, 0], 'both', { ...THRESHOLD, minBaselineVolume: 0 }).outcome).toBe('quiet');
    expect(assess(0, [100, 100], 'drop', THRESHOLD)).toMatchObject({ outcome: 'insufficient_baseline', median: null });
  });
});
