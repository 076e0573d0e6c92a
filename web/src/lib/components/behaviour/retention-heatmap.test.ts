import { describe, expect, it } from 'vitest';
import type { RetentionCohort } from '@privacy-analytics/core/analytics';
import { averageRetention, heatCell, retentionRows } from './retention-heatmap';

function cohort(start: string, values: number[]): RetentionCohort {
  const size = values[0]!;
  return { start, size, values, percentages: values.map((v) => (size ? v / size : 0)) };
}

describe('retention heat-map', () => {
  it('shades zero apart from small shares, grows with the share and inverts the text on dark cells', () => {
    expect(heatCell(0)).toEqual({ strength: 0, inverted: false });
    expect(heatCell(Number.NaN).strength).toBe(0);
    expect(heatCell(0.01).strength).toBeGreaterThan(8);
    expect(heatCell(0.2).strength).toBeLessThan(heatCell(0.5).strength);
    expect(heatCell(1)).toEqual({ strength: 90, inverted: true });
    expect(heatCell(3)).toEqual(heatCell(1));
    expect(heatCell(0.05).inverted).toBe(false);
  });

  it('averages each period over the cohorts that reached it, weighted by size', () => {
    const cohorts = [cohort('2026-10-01', [10, 5, 2]), cohort('2026-10-02', [30, 3]), cohort('2026-10-03', [0])];
    expect(averageRetention(cohorts, 3)).toEqual([1, 8 / 40, 2 / 10]);
    expect(averageRetention([cohort('2026-10-03', [0])], 2)).toEqual([null, null]);
  });

  it('writes periods a cohort has not reached as empty cells', () => {
    const rows = retentionRows([cohort('2026-10-02', [4, 1])], 3);
    expect(rows).toEqual([{ cohort: '2026-10-02', size: 4, period_1: 1, period_1_share: 0.25, period_2: null, period_2_share: null }]);
  });
});
