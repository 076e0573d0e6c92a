import { describe, expect, it } from 'vitest';
import { decideExperiment, type DecisionInput } from './experiment-decision';
import { compareBetaPosteriors, sampleSizePerGroup, twoProportionTest } from './stats';

/** A two-variant conversion test as runExperiment computes it. */
function ab(control: [number, number], treatment: [number, number], mdeTarget = 0.11): DecisionInput {
  const bayes = compareBetaPosteriors([{ alpha: 1 + control[0], beta: 1 + control[1] - control[0] }, { alpha: 1 + treatment[0], beta: 1 + treatment[1] - treatment[0] }], { seed: 1, draws: 100_000 });
  const test = twoProportionTest(control[0], control[1], treatment[0], treatment[1]);
  const rate = control[0] / control[1];
  return {
    metric: 'conversion',
    control: 'control',
    variants: [{ variant: 'control', exposed: control[1] }, { variant: 'treatment', exposed: treatment[1] }],
    comparisons: [{ variant: 'treatment', adjustedPValue: test.pValue, conversion: { difference: test.difference }, revenue: { difference: 0 } }],
    probabilityToBeBest: { control: bayes.probabilityToBeBest[0]!, treatment: bayes.probabilityToBeBest[1]! },
    expectedLoss: { control: bayes.expectedLoss[0]!, treatment: bayes.expectedLoss[1]! },
    srm: { mismatch: false },
    guidance: { requiredPerVariant: sampleSizePerGroup(rate, rate * (1 + mdeTarget - 0.01)) },
  };
}

describe('decideExperiment', () => {
  it('ships a clear winner at any look by P(best) and expected loss', () => {
    const d = decideExperiment(ab([500, 10_000], [650, 10_000]));
    expect(d).toMatchObject({ verdict: 'ship', variant: 'treatment', by: 'bayesian' });
    expect(d.summary).toMatch(/^Ship treatment: best with probability 100\.0%/);
  });

  it('keeps running early on, saying how many persons the plan still needs, even when a p-value dips under 0.05', () => {
    // p < 0.05, but not even a quarter of the planned sample (about 31,000 per variant for +10% on 5%) is in
    const input = ab([100, 2_000], [130, 2_000]);
    expect(input.comparisons[0]!.adjustedPValue!).toBeLessThan(0.05);
    const d = decideExperiment(input);
    expect(d.verdict).toBe('keep_running');
    expect(d.personsStillNeeded).toBe(input.guidance.requiredPerVariant! - 2_000);
    expect(d.summary).toContain('more persons in the smallest variant');
  });

  it('stops at the planned sample when nothing differs by the planned effect', () => {
    const input = ab([1_600, 32_000], [1_610, 32_000]);
    const d = decideExperiment(input, { probabilityToBeBest: 0.95, minimumShareOfPlan: 0.25, expectedLossThreshold: 0.0001, alpha: 0.05 });
    expect(d).toMatchObject({ verdict: 'stop', variant: 'control', by: 'planned_sample', personsStillNeeded: 0 });
  });

  it('blocks on a sample ratio mismatch whatever the other numbers say', () => {
    const input = { ...ab([500, 10_000], [650, 10_000]), srm: { mismatch: true } };
    expect(decideExperiment(input)).toMatchObject({ verdict: 'blocked', variant: null, by: 'srm' });
  });

  it('for revenue uses the test at the planned sample only', () => {
    const input: DecisionInput = { ...ab([500, 10_000], [650, 10_000]), metric: 'revenue' };
    input.comparisons = [{ variant: 'treatment', adjustedPValue: 0.001, conversion: { difference: 0 }, revenue: { difference: 2.5 } }];
    expect(decideExperiment(input).verdict).toBe('keep_running');
    input.guidance = { requiredPerVariant: 5_000 };
    expect(decideExperiment(input)).toMatchObject({ verdict: 'ship', variant: 'treatment', by: 'planned_sample' });
  });
});
