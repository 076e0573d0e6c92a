import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../nn/random';
import { fitPlattScaling, withPlattScaling, classifierLogits } from './calibration';
import { createClassifier } from './person-classifier';

describe('Platt scaling', () => {
  it('recovers the scale and shift of miscalibrated logits', () => {
    const random = new SeededRandom(9);
    const n = 20_000;
    const logits = new Float64Array(n);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      logits[i] = random.normal() * 3;
      labels[i] = random.next() < 1 / (1 + Math.exp(-(0.5 * logits[i]! - 1))) ? 1 : 0;
    }
    const scaling = fitPlattScaling(logits, labels);
    expect(scaling.a).toBeCloseTo(0.5, 1);
    expect(scaling.b).toBeCloseTo(-1, 1);
    expect(scaling.logLossAfter).toBeLessThan(scaling.logLossBefore);
  });

  it('folds into the last layer: logits become a * logit + b', () => {
    const model = createClassifier(Float64Array.of(0, 1), Float64Array.of(1, 2), [3], new SeededRandom(2));
    const data = { x: Float32Array.of(0.5, 2, -1, 4), y: Uint8Array.of(0, 1), rows: 2, features: 2 };
    const before = classifierLogits(model, data);
    const after = classifierLogits(withPlattScaling(model, { a: 2, b: -0.5, logLossBefore: 0, logLossAfter: 0 }), data);
    for (let i = 0; i < 2; i++) expect(after[i]).toBeCloseTo(2 * before[i]! - 0.5, 12);
  });

  it('keeps the identity when the logits carry no signal', () => {
    const scaling = fitPlattScaling(new Float64Array(10), Uint8Array.of(0, 1, 0, 1, 0, 1, 0, 1, 0, 1));
    expect(Number.isFinite(scaling.a) && Number.isFinite(scaling.b)).toBe(true);
    expect(scaling.logLossAfter).toBeLessThanOrEqual(scaling.logLossBefore);
  });
});
