/**
 * Parity: the ONNX graphs run by onnxruntime-web (Node, wasm backend) give the TypeScript forward
 * passes' outputs (max abs difference 1e-5) on random parameters and inputs, and the files read back
 * into the same models.
 */
import { describe, expect, it } from 'vitest';
import { classifierFromOnnx, classifierScores, classifierToOnnx, createClassifier, roundedToFloat32 } from './classifier/person-classifier';
import { openOrtScorer } from '../onnx/node/ort-session';
import { SeededRandom } from './nn/random';
import { createDeepFm, deepFmScore, DeepFmWorkspace, type DeepFm } from './recommend/deepfm';
import { deepFmFromOnnx, deepFmRoundedToFloat32, deepFmToOnnx } from './recommend/deepfm-onnx';

const onnxOptions = { name: 'parity', docString: 'parity test', metadata: { purpose: 'test' }, producerVersion: 'test' };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function randomClassifier(features: number, hidden: number[], seed: number) {
  const random = new SeededRandom(seed);
  const mean = Float64Array.from({ length: features }, () => random.normal() * 3);
  const std = Float64Array.from({ length: features }, () => 0.2 + random.next() * 4);
  const model = createClassifier(mean, std, hidden, random);
  for (const layer of model.mlp.layers) for (let i = 0; i < layer.bias.length; i++) layer.bias[i] = random.normal() * 0.5;
  return { model: roundedToFloat32(model), random };
}

function randomDeepFm(seed: number): DeepFm {
  const random = new SeededRandom(seed);
  const persons = 37;
  const items = 23;
  const categories = 5;
  const model = createDeepFm(
    {
      persons,
      items,
      categories,
      k: 6,
      hidden: [7],
      itemCategory: Int32Array.from({ length: items }, () => random.int(categories)),
      personCategory: Int32Array.from({ length: persons + 1 }, (_, i) => (i === 0 ? 0 : random.int(categories))),
    },
    random,
  );
  // Spread the parameters so that every term of the logit matters.
  for (const table of [model.personEmbedding, model.itemEmbedding, model.itemCategoryEmbedding, model.personCategoryEmbedding, model.personWeight, model.itemWeight, model.itemCategoryWeight, model.personCategoryWeight]) {
    for (let i = 0; i < table.length; i++) table[i] = random.normal() * 0.4;
  }
  model.bias[0] = -0.3;
  return deepFmRoundedToFloat32(model);
}

describe('ONNX parity with the TypeScript forward pass (onnxruntime-web, wasm)', () => {
  for (const [label, hidden] of [
    ['logistic regression', []],
    ['MLP 16', [16]],
    ['MLP 12-5', [12, 5]],
  ] as const) {
    it(`person classifier, ${label}: max abs diff <= 1e-5 on 2,000 random rows`, async () => {
      const features = 31;
      const { model, random } = randomClassifier(features, [...hidden], hidden.length + 7);
      const rows = 2000;
      const input = Float32Array.from({ length: rows * features }, (_, i) => (random.normal() * 4 + (i % 3)) * (random.next() < 0.1 ? 0 : 1));
      const bytes = classifierToOnnx(model, onnxOptions);
      const scorer = await openOrtScorer(bytes, label);
      const onnxScores = await scorer.run(input, rows, features);
      await scorer.release();
      const tsScores = classifierScores(model, input, rows);
      expect(maxAbsDiff(onnxScores, tsScores)).toBeLessThanOrEqual(1e-5);
      // The spread of scores shows the comparison is not between two constants.
      expect(Math.max(...tsScores) - Math.min(...tsScores)).toBeGreaterThan(0.5);

      const { model: reread } = classifierFromOnnx(bytes, label);
      expect(maxAbsDiff(classifierScores(reread, input, rows), tsScores)).toBe(0);
    });
  }

  it('DeepFM recommender: max abs diff <= 1e-5 on every (person, item) pair, unknown person included', async () => {
    const model = randomDeepFm(11);
    const pairs: number[] = [];
    for (let person = 0; person < model.persons; person++) for (let item = 0; item < model.items; item++) pairs.push(person, item);
    const rows = pairs.length / 2;
    const bytes = deepFmToOnnx(model, onnxOptions);
    const scorer = await openOrtScorer(bytes, 'deepfm');
    const onnxScores = await scorer.run(Float32Array.from(pairs), rows, 2);
    await scorer.release();
    const ws = new DeepFmWorkspace(model);
    const tsScores = Float64Array.from({ length: rows }, (_, r) => deepFmScore(model, pairs[2 * r]!, pairs[2 * r + 1]!, ws));
    expect(maxAbsDiff(onnxScores, tsScores)).toBeLessThanOrEqual(1e-5);
    expect(Math.max(...tsScores) - Math.min(...tsScores)).toBeGreaterThan(0.5);

    const { model: reread } = deepFmFromOnnx(bytes, 'deepfm');
    const ws2 = new DeepFmWorkspace(reread);
    expect(maxAbsDiff(Float64Array.from({ length: rows }, (_, r) => deepFmScore(reread, pairs[2 * r]!, pairs[2 * r + 1]!, ws2)), tsScores)).toBe(0);
  });
});
