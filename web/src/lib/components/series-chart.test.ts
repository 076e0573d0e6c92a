import { describe, expect, it } from 'vitest';
import { axisNumber, categoryX, labelStride, linePath, nearestCategory, niceTicks } from './series-chart';
import { timeSeriesLines } from './chart-options';

describe('the chart over time (SVG)', () => {
  it('ticks are whole numbers at a step of 1, 2, 2.5 or 5 × 10ⁿ from 0 to at least the maximum', () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(1)).toEqual([0, 1]);
    expect(niceTicks(3)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(23_000)).toEqual([0, 5000, 10000, 15000, 20000, 25000]);
    expect(niceTicks(100)).toEqual([0, 20, 40, 60, 80, 100]);
    for (const max of [7, 99, 1234, 98_765, 3_456_789]) {
      const t = niceTicks(max);
      expect(t[0]).toBe(0);
      expect(t[t.length - 1]).toBeGreaterThanOrEqual(max);
      expect(t.every((v) => Number.isInteger(v))).toBe(true);
      expect(t.length).toBeLessThanOrEqual(8);
    }
  });

  it('places categories across the plot, one in the middle, and finds the nearest to the pointer', () => {
    expect(categoryX(0, 1, 50, 150)).toBe(100);
    expect([0, 1, 2].map((i) => categoryX(i, 3, 0, 100))).toEqual([0, 50, 100]);
    expect(nearestCategory(26, 3, 0, 100)).toBe(1);
    expect(nearestCategory(-40, 3, 0, 100)).toBe(0);
    expect(nearestCategory(400, 3, 0, 100)).toBe(2);
  });

  it('thins the x labels so that they do not overlap', () => {
    expect(labelStride(7, 700, 86)).toBe(1);
    expect(labelStride(30, 700, 86)).toBe(4);
    expect(labelStride(720, 1000, 93)).toBe(72);
  });

  it('draws a path through the points and formats axis numbers', () => {
    expect(linePath([[0, 10], [5.04, 2.26]])).toBe('M0 10 L5 2.3');
    expect(axisNumber(9500)).toBe('9,500');
    expect(axisNumber(2_500_000)).toBe('2.5M');
  });

  it('shows events alone from the file index, and page views and visitors once queried', () => {
    const day = (d: number, extra = {}) => ({ bucket: `2026-09-0${d}T00:00:00Z`, events: d * 10, ...extra });
    expect(timeSeriesLines([day(1), day(2)], 'day')).toEqual({ categories: ['2026-09-01', '2026-09-02'], series: [{ name: 'Events', values: [10, 20] }] });
    const lines = timeSeriesLines([day(1, { pageViews: 4, visitors: 2 })], 'hour');
    expect(lines.categories).toEqual(['09-01 00:00']);
    expect(lines.series.map((s) => s.name)).toEqual(['Events', 'Page views', 'Visitors']);
  });
});
