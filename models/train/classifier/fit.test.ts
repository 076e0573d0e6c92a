import { describe, expect, it } from 'vitest';
import { rocAuc } from '../eval/classification';
import { SeededRandom } from '../nn/random';
import { fitClassifier, standardisation, TrainingDataError, type FitOptions, type LabelledMatrix } from './fit';
import { classifierScores } from './person-classifier';

/** y ~ Bernoulli(sigmoid(2 x0 - x1 + 3 x0 x1 - 0.5)), features on very different scales. */
function synthetic(rows: number, seed: number): LabelledMatrix {
  const random = new SeededRandom(seed);
  const x = new Float32Array(rows * 3);
  const y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const a = random.normal();
    const b = random.normal();
    x[r * 3] = a * 100 + 500;
    x[r * 3 + 1] = b * 0.01;
    x[r * 3 + 2] = random.normal();
    const z = 2 * a - b + 3 * a * b - 0.5;
    y[r] = random.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { x, y, rows, features: 3 };
}

const logistic: FitOptions = { hidden: [], learningRate: 0.05, l2: 1e-4, batchSize: 64, maxEpochs: 60, patience: 5, seed: 1 };

describe('fitClassifier', () => {
  const train = synthetic(3000, 1);
  const validation = synthetic(1000, 2);
  const test = synthetic(2000, 3);

  it('logistic regression learns the linear signal despite raw feature scales (standardisation inside the model)', () => {
    const { model, bestEpoch } = fitClassifier(train, validation, logistic);
    expect(bestEpoch).toBeGreaterThan(0);
    expect(rocAuc(classifierScores(model, test.x, test.rows), test.y)).toBeGreaterThan(0.7);
    expect(model.mean[0]).toBeCloseTo(500, -1);
  });

  it('an MLP also learns the interaction and beats logistic regression on it', () => {
    const lr = fitClassifier(train, validation, logistic);
    const mlp = fitClassifier(train, validation, { ...logistic, hidden: [16], learningRate: 0.01 });
    const auc = (m: typeof lr) => rocAuc(classifierScores(m.model, test.x, test.rows), test.y);
    expect(auc(mlp)).toBeGreaterThan(auc(lr) + 0.02);
  });

  it('stops early and restores the epoch with the lowest validation loss', () => {
    const result = fitClassifier(train, validation, { ...logistic, hidden: [32], learningRate: 0.05, l2: 0, maxEpochs: 200, patience: 3 });
    expect(result.epochs).toBeLessThan(200);
    expect(result.epochs - result.bestEpoch).toBe(3);
    const best = Math.min(...result.history.map((h) => h.validationLoss));
    expect(result.validationLoss).toBeCloseTo(best, 12);
  });

  it('is deterministic for a seed', () => {
    const a = fitClassifier(train, validation, logistic);
    const b = fitClassifier(train, validation, logistic);
    expect([...a.model.mlp.layers[0]!.weights]).toEqual([...b.model.mlp.layers[0]!.weights]);
    const c = fitClassifier(train, validation, { ...logistic, seed: 2 });
    expect([...c.model.mlp.layers[0]!.weights]).not.toEqual([...a.model.mlp.layers[0]!.weights]);
  });

  it('gives clear errors for empty and one-class sets', () => {
    const empty: LabelledMatrix = { x: new Float32Array(), y: new Uint8Array(), rows: 0, features: 3 };
    expect(() => fitClassifier(empty, validation, logistic)).toThrow(TrainingDataError);
    expect(() => fitClassifier(empty, validation, logistic)).toThrow(/the training set is empty/);
    const allNegative = { ...validation, y: new Uint8Array(validation.rows) };
    expect(() => fitClassifier(train, allNegative, logistic)).toThrow(/the validation set has only negative labels \(1000 rows\)/);
  });

  it('standardisation uses 1 for constant columns', () => {
    const { mean, std } = standardisation({ x: Float32Array.of(1, 5, 1, 7), y: Uint8Array.of(0, 1), rows: 2, features: 2 });
    expect([...mean]).toEqual([1, 6]);
    expect([...std]).toEqual([1, 1]);
  });
});
