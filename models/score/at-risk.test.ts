import { describe, expect, it } from 'vitest';
import { createClassifier } from '../train/classifier/person-classifier';
import { SeededRandom } from '../train/nn/random';
import type { FeatureSchema } from '../features/person-features';
import { atRiskList, FALLBACK_AT_RISK_THRESHOLD } from './at-risk';

const model = createClassifier(Float64Array.of(1, 0), Float64Array.of(2, 1), [], new SeededRandom(3));
model.mlp.layers[0]!.weights.set([1.5, -0.5]);
const schema = { names: ['recency_days', 'identified'] } as unknown as FeatureSchema;
const input = { persons: ['a', 'b', 'c', 'd'], scores: [0.2, 0.9, 0.55, 0.9], x: Float32Array.of(5, 1, 1, 0, 3, -2, 9, 1) };

describe('the at-risk list of a churn model', () => {
  it("keeps persons at or above the model's threshold, highest first, each with drivers", () => {
    const list = atRiskList(input, model, { threshold: 0.55, leadDays: 7, horizonDays: 21, featureSchema: schema }, { drivers: 2 });
    expect(list).toMatchObject({ threshold: 0.55, thresholdSource: 'model', leadDays: 7, horizonDays: 21, scored: 4 });
    expect(list.members.map((m) => [m.person, m.score])).toEqual([
      ['b', 0.9],
      ['d', 0.9],
      ['c', 0.55],
    ]);
    expect(list.members[2]!.drivers).toEqual([
      { feature: 'recency_days', value: 3, contribution: 1.5 },
      { feature: 'identified', value: -2, contribution: 1 },
    ]);
  });

  it('falls back to 0.7 for a model without a threshold, and takes a given one', () => {
    const old = atRiskList(input, model, { horizonDays: 30, featureSchema: schema });
    expect([old.threshold, old.thresholdSource, old.leadDays]).toEqual([FALLBACK_AT_RISK_THRESHOLD, 'fallback', 0]);
    expect(old.members.map((m) => m.person)).toEqual(['b', 'd']);
    const given = atRiskList(input, model, { threshold: 0.5, horizonDays: 21, featureSchema: schema }, { threshold: 0.1 });
    expect([given.thresholdSource, given.members.length]).toEqual(['given', 4]);
    expect(() => atRiskList(input, model, { horizonDays: 21, featureSchema: schema }, { threshold: 1 })).toThrow(/between 0 and 1, got 1/);
  });
});
