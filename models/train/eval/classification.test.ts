import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../nn/random';
import { averagePrecision, brierScore, classificationMetrics, logLoss, reliabilityTable, rocAuc } from './classification';

/** AUC by counting every positive-negative pair (ties half): the definition, O(n²). */
function pairwiseAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((t, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('classification metrics', () => {
  it('ROC AUC equals the pairwise definition, with many ties', () => {
    const random = new SeededRandom(3);
    const scores = Array.from({ length: 300 }, () => Math.round(random.next() * 10) / 10);
    const labels = scores.map((s) => (random.next() < s ? 1 : 0));
    expect(rocAuc(scores, labels)).toBeCloseTo(pairwiseAuc(scores, labels), 12);
  });

  it('ROC AUC: perfect, reversed, constant, and NaN with one class', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5], [0, 1, 1])).toBe(0.5);
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
  });

  it('average precision matches the worked example of scikit-learn (0.8333)', () => {
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.8333333, 6);
  });

  it('average precision of a constant score is the positive rate', () => {
    expect(averagePrecision([0.3, 0.3, 0.3, 0.3], [1, 0, 0, 0])).toBeCloseTo(0.25, 12);
  });

  it('Brier score and log loss', () => {
    expect(brierScore([1, 0, 0.5], [1, 0, 1])).toBeCloseTo(0.25 / 3, 12);
    expect(logLoss([0.5, 0.5], [1, 0])).toBeCloseTo(Math.log(2), 12);
    expect(Number.isFinite(logLoss([0, 1], [1, 0]))).toBe(true);
  });

  it('reliability table: equal-width bins, 1.0 in the last bin, empty bins null', () => {
    const table = reliabilityTable([0.05, 0.15, 0.17, 1], [0, 1, 0, 1], 10);
    expect(table).toHaveLength(10);
    expect(table[0]).toMatchObject({ count: 1, observedRate: 0 });
    expect(table[1]).toMatchObject({ count: 2, observedRate: 0.5 });
    expect(table[1]!.meanPredicted).toBeCloseTo(0.16, 12);
    expect(table[9]).toMatchObject({ count: 1, observedRate: 1 });
    expect(table[5]).toMatchObject({ count: 0, meanPredicted: null, observedRate: null });
  });

  it('rejects labels that are not 0/1, non-finite scores and mismatched lengths', () => {
    expect(() => rocAuc([0.1], [2])).toThrow(/label 2 at row 0/);
    expect(() => brierScore([Number.NaN], [1])).toThrow(/score NaN at row 0/);
    expect(() => classificationMetrics([0.1, 0.2], [1])).toThrow(/2 scores but 1 labels/);
  });
});
