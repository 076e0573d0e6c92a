import { describe, expect, it } from 'vitest';
import { heldOutRank, rankingMetrics } from './ranking';

describe('ranking metrics', () => {
  it('ranks the held-out item among the items not excluded, ties counting half', () => {
    const scores = [0.9, 0.5, 0.5, 0.1, 0.95];
    expect(heldOutRank(scores, 1, new Set())).toBe(3.5); // 0.9, 0.95 above; one tie
    expect(heldOutRank(scores, 1, new Set([0, 4]))).toBe(1.5);
    expect(heldOutRank(scores, 4, new Set())).toBe(1);
  });

  it('hit rate and NDCG at k over cases', () => {
    const cases = [
      { history: [], heldOut: 0 },
      { history: [0], heldOut: 2 },
      { history: [], heldOut: 3 },
    ];
    // Case 0: rank 1; case 1: item 0 excluded, item 2 ranks 2nd; case 2: rank 4 (outside k = 2).
    const scores = [
      [4, 3, 2, 1],
      [4, 3, 2, 1],
      [4, 3, 2, 1],
    ];
    const metrics = rankingMetrics(cases, 4, (i, out) => out.set(scores[i]!), 2);
    expect(metrics).toMatchObject({ persons: 3, k: 2 });
    expect(metrics.hitRate).toBeCloseTo(2 / 3, 12);
    expect(metrics.ndcg).toBeCloseTo((1 + 1 / Math.log2(3)) / 3, 12);
  });

  it('a constant scorer gets the average random rank, not the best one', () => {
    const metrics = rankingMetrics([{ history: [], heldOut: 5 }], 100, (_i, out) => out.fill(1), 10);
    expect(metrics.hitRate).toBe(0);
  });
});
