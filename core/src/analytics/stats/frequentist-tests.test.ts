import { describe, expect, it } from 'vitest';
import { chiSquareGoodnessOfFit, chiSquareHomogeneity, sampleSizePerGroup, summarise, twoProportionTest, welchTest } from './frequentist-tests';

const close = (actual: number, expected: number, relative = 1e-12) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));

describe('tests', () => {
  it('two-proportion z test: 100/1000 against 130/1000', () => {
    // pooled p = 230/2000 = 0.115; SE = sqrt(0.115 * 0.885 * (1/1000 + 1/1000)) = 0.0142671...; z = 0.03 / SE.
    const test = twoProportionTest(100, 1000, 130, 1000);
    close(test.z, 2.102740605622114, 1e-12);
    close(test.pValue!, 0.03548845046647471, 1e-10);
    close(test.difference, 0.03);
    const se = Math.sqrt((0.1 * 0.9) / 1000 + (0.13 * 0.87) / 1000);
    close(test.differenceCi[0], 0.03 - 1.959963984540054 * se, 1e-12);
    close(test.relativeUplift!, 0.3);
    const logSe = Math.sqrt(0.9 / 100 + 0.87 / 130);
    close(test.relativeUpliftCi![1], 1.3 * Math.exp(1.959963984540054 * logSe) - 1, 1e-12);
    expect(twoProportionTest(0, 10, 0, 10).pValue).toBeNull();
  });

  it('Welch t test on [1..5] against [2,4,..,10]', () => {
    // means 3 and 6, variances 2.5 and 10: SE^2 = 0.5 + 2 = 2.5, t = 3 / sqrt(2.5) = 1.8974,
    // df = 2.5^2 / (0.5^2/4 + 2^2/4) = 6.25 / 1.0625 = 5.88235; p (two-sided) = 0.10753 (R: t.test).
    const test = welchTest(summarise([1, 2, 3, 4, 5]), summarise([2, 4, 6, 8, 10]));
    close(test.t, 3 / Math.sqrt(2.5));
    close(test.df, 6.25 / 1.0625);
    close(test.pValue!, 0.10753119493062728, 1e-10);
    close(test.differenceCi[0], -0.887741643736975, 1e-10);
    close(test.differenceCi[1], 6.887741643736975, 1e-10);
    close(test.relativeUplift!, 1);
  });

  it('chi-square goodness of fit (SRM): 821 / 779 against 50 / 50', () => {
    // expected 800 each: (21^2 + 21^2) / 800 = 1.1025 on 1 df = Z^2 with Z = 1.05: p = 2 * (1 - 0.8531409) = 0.2937181.
    const test = chiSquareGoodnessOfFit([821, 779], [0.5, 0.5]);
    close(test.statistic, 1.1025);
    close(test.pValue, 0.2937181127517889, 1e-10);
    close(chiSquareGoodnessOfFit([5000, 5200], [1, 1]).pValue, 0.0476703806561615, 1e-10);
  });

  it('chi-square homogeneity on a 2 x 2 table equals the squared pooled z', () => {
    const chi = chiSquareHomogeneity([100, 130], [1000, 1000]);
    close(chi.statistic, 2.102740605622114 ** 2, 1e-12);
    close(chi.pValue, 0.03548845046647471, 1e-10);
  });

  it('sample size for 10% -> 12% at alpha 0.05, power 0.8 (Fleiss, no continuity correction)', () => {
    // (1.95996 * sqrt(2 * 0.11 * 0.89) + 0.84162 * sqrt(0.1 * 0.9 + 0.12 * 0.88))^2 / 0.02^2 = 3840.5
    expect(sampleSizePerGroup(0.1, 0.12)).toBe(3841);
    expect(sampleSizePerGroup(0.1, 0.1)).toBeNull();
  });
});
