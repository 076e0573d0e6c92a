import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../nn/random';
import { explainScore } from './explain';
import { createClassifier } from './person-classifier';

describe('explainScore', () => {
  it('logistic regression: contributions are w_i * standardised value, largest first', () => {
    const model = createClassifier(Float64Array.of(10, 0, 5), Float64Array.of(2, 1, 1), [], new SeededRandom(1));
    model.mlp.layers[0]!.weights.set([0.5, -2, 0.1]);
    const drivers = explainScore(model, ['recency_days', 'log_orders', 'tenure_days'], [14, 1, 5], 2);
    expect(drivers).toEqual([
      { feature: 'log_orders', value: 1, contribution: -2 },
      { feature: 'recency_days', value: 14, contribution: 1 },
    ]);
  });

  it('MLP: gradient x input, zero for features at the average', () => {
    const model = createClassifier(new Float64Array(4), new Float64Array(4).fill(1), [5], new SeededRandom(2));
    const drivers = explainScore(model, ['a', 'b', 'c', 'd'], [1, 0, -2, 0], 4);
    expect(drivers.map((d) => d.feature).sort()).toEqual(['a', 'c']);
  });

  it('rejects rows of the wrong width', () => {
    const model = createClassifier(new Float64Array(2), new Float64Array(2).fill(1), [], new SeededRandom(3));
    expect(() => explainScore(model, ['a'], [1])).toThrow(/1 names and 1 values for 2 features/);
  });
});
