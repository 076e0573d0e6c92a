import { describe, expect, it } from 'vitest';
import {
  betaDraw,
  chiSquareGoodnessOfFit,
  chiSquareHomogeneity,
  chiSquareSf,
  compareBetaPosteriors,
  expectedLoss,
  normalCdf,
  normalQuantile,
  normalSf,
  probabilityGreater,
  sampleSizePerGroup,
  seededRng,
  studentTCdf,
  studentTQuantile,
  summarise,
  twoProportionTest,
  welchTest,
} from './stats';

const close = (actual: number, expected: number, relative = 1e-12) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));

describe('distributions match printed tables', () => {
  it('standard normal CDF and quantiles', () => {
    close(normalCdf(0), 0.5);
    close(normalCdf(1.96), 0.9750021048517795);
    close(normalCdf(-1), 0.15865525393145707);
    // Far tail keeps relative precision.
    expect(normalSf(5) / 2.866515718791939e-7).toBeCloseTo(1, 12);
    expect(normalSf(8) / 6.22096057427178e-16).toBeCloseTo(1, 12);
    close(normalQuantile(0.975), 1.959963984540054);
    close(normalQuantile(0.995), 2.5758293035489004);
    close(normalQuantile(0.8), 0.8416212335729143);
    close(normalQuantile(0.5), 0);
    close(normalQuantile(1e-10), -6.361340902404056);
  });

  it('chi-square critical values', () => {
    // Table values (df, x) with P(X > x) = 0.05 (3.841, 5.991, 7.815, 18.307), and df 1 at 0.001 (10.828).
    for (const [df, x] of [[1, 3.8414588206941285], [2, 5.991464547107983], [3, 7.814727903251178], [10, 18.30703805327515]] as const) close(chiSquareSf(x, df), 0.05, 1e-11);
    close(chiSquareSf(10.827566170662733, 1), 0.001, 1e-11);
    // df 2 is exponential: P(X > x) = exp(-x / 2).
    close(chiSquareSf(4, 2), Math.exp(-2));
    expect(chiSquareSf(0, 3)).toBe(1);
  });

  it('Student t critical values and closed forms', () => {
    // Table values 12.706, 4.303, 2.228, 2.042, 2.015, 2.845, to full double precision.
    for (const [p, df, t] of [
      [0.975, 1, 12.706204736174694],
      [0.975, 2, 4.302652729749462],
      [0.975, 10, 2.228138851986274],
      [0.975, 30, 2.0422724563012378],
      [0.95, 5, 2.0150483733330233],
      [0.995, 20, 2.8453397097861077],
    ] as const) {
      close(studentTCdf(t, df), p, 1e-11);
      close(studentTQuantile(p, df), t, 1e-10);
    }
    // df 1 is Cauchy; df 2 has the closed form 1/2 + t / (2 sqrt(2 + t^2)).
    close(studentTCdf(1, 1), 0.75);
    close(studentTCdf(-3, 2), 0.5 - 3 / (2 * Math.sqrt(11)));
    close(studentTQuantile(0.975, Infinity), 1.959963984540054);
  });
});

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

describe('Beta-Binomial', () => {
  it('P(Beta(2,1) > Beta(1,1)) = 2/3 and the expected loss of the uniform is 1/4 (by integration)', () => {
    close(probabilityGreater({ alpha: 2, beta: 1 }, { alpha: 1, beta: 1 }), 2 / 3);
    close(probabilityGreater({ alpha: 1, beta: 1 }, { alpha: 2, beta: 1 }), 1 / 3);
    // E[max(B - A, 0)] = int_0^1 2b * b^2/2 db = 1/4; E[max(A - B, 0)] = int_0^1 (1 - b)^2/2 * 2b db = 1/12.
    close(expectedLoss({ alpha: 1, beta: 1 }, { alpha: 2, beta: 1 }), 1 / 4);
    close(expectedLoss({ alpha: 2, beta: 1 }, { alpha: 1, beta: 1 }), 1 / 12);
  });

  it('is symmetric for equal data and agrees with seeded Monte Carlo', () => {
    close(probabilityGreater({ alpha: 31, beta: 971 }, { alpha: 31, beta: 971 }), 0.5, 1e-10);
    const posteriors = [
      { alpha: 101, beta: 901 },
      { alpha: 131, beta: 871 },
    ];
    const exact = compareBetaPosteriors(posteriors);
    expect(exact.method).toBe('exact');
    // Normal approximation: P ~ Phi(0.03 / sqrt(0.1*0.9/1002 + 0.13*0.87/1002)) ~ 0.982.
    expect(exact.probabilityToBeBest[1]).toBeGreaterThan(0.98);
    expect(exact.probabilityToBeBest[1]).toBeLessThan(0.985);
    const third = compareBetaPosteriors([...posteriors, { alpha: 1, beta: 1_000_000 }], { seed: 7, draws: 200_000 });
    expect(third.method).toBe('monte_carlo');
    expect(Math.abs(third.probabilityToBeBest[1]! - exact.probabilityToBeBest[1]!)).toBeLessThan(0.003);
    expect(Math.abs(third.expectedLoss[0]! - exact.expectedLoss[0]!)).toBeLessThan(0.0005);
    expect(third.probabilityToBeBest[2]).toBe(0);
    // Same seed, same answer.
    expect(compareBetaPosteriors([...posteriors, { alpha: 2, beta: 2 }], { seed: 3, draws: 1000 })).toEqual(compareBetaPosteriors([...posteriors, { alpha: 2, beta: 2 }], { seed: 3, draws: 1000 }));
  });

  it('samples Beta(a, b) with the right mean and variance', () => {
    const rng = seededRng(42);
    const draws = Array.from({ length: 100_000 }, () => betaDraw(rng, 2, 5));
    const { mean, variance } = summarise(draws);
    expect(mean).toBeCloseTo(2 / 7, 2);
    expect(variance).toBeCloseTo((2 * 5) / (49 * 8), 3);
    const small = Array.from({ length: 50_000 }, () => betaDraw(rng, 0.5, 0.5));
    expect(summarise(small).mean).toBeCloseTo(0.5, 2);
  });
});
