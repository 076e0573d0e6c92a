import { describe, expect, it } from 'vitest';
import { chooseThreshold, thresholdMetrics } from './threshold';

describe('decisions at a threshold', () => {
  it('counts the confusion matrix, accuracy, precision, recall and the base rate', () => {
    const scores = [0.9, 0.8, 0.6, 0.4, 0.3, 0.1];
    const labels = [1, 0, 1, 1, 0, 0];
    const m = thresholdMetrics(scores, labels, 0.5);
    expect([m.truePositives, m.falsePositives, m.trueNegatives, m.falseNegatives]).toEqual([2, 1, 2, 1]);
    expect(m.flagged).toBe(3);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.baseRate).toBe(0.5);
    expect(m.majorityAccuracy).toBe(0.5);
    expect(thresholdMetrics(scores, labels, 0.6).flagged, 'a score equal to the threshold is flagged').toBe(3);
  });

  it('precision is NaN when nothing is flagged; labels must be 0 or 1', () => {
    expect(thresholdMetrics([0.2, 0.3], [1, 0], 0.9).precision).toBeNaN();
    expect(() => thresholdMetrics([0.2], [2], 0.5)).toThrow(/label 2 at row 0/);
  });

  it('with F1 as the objective, flags more of a rare label than the most accurate rule', () => {
    // Flagging only 0.9 makes 2 errors (F1 0.5); flagging down to 0.3 makes 3 errors but finds every positive (F1 0.67).
    const scores = [0.9, 0.35, 0.32, 0.31, 0.3, 0.3, 0.1, 0.1, 0.1, 0.1, 0.1];
    const labels = [1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0];
    const accurate = chooseThreshold(scores, labels, 'accuracy');
    const f1 = chooseThreshold(scores, labels, 'f1');
    expect([accurate.flagged, accurate.recall]).toEqual([1, 1 / 3]);
    expect([f1.flagged, f1.recall, f1.threshold]).toEqual([6, 1, 0.11]);
    expect(f1.f1).toBeGreaterThan(accurate.f1);
  });

  it('chooses the most accurate grid threshold, ties to the higher F1, then the lower threshold', () => {
    // Separable at any threshold in (0.30, 0.70]: all of 0.31 .. 0.70 have accuracy 1 and F1 1; the lowest wins.
    const separable = chooseThreshold([0.1, 0.2, 0.3, 0.7, 0.8], [0, 0, 0, 1, 1]);
    expect(separable.threshold).toBe(0.31);
    expect(separable.accuracy).toBe(1);
    // Flagging only 0.9 and flagging 0.9, 0.6, 0.55 are both 3 of 4 right; the second has the higher F1 (0.8 vs 0.67).
    const tied = chooseThreshold([0.9, 0.6, 0.55, 0.1], [1, 0, 1, 0]);
    expect(tied.accuracy).toBe(0.75);
    expect(tied.threshold).toBe(0.11);
    expect(tied.f1).toBeCloseTo(0.8, 12);
  });
});
