/** Frequentist tests: two-proportion z, Welch's t, Pearson chi-square, and the sample size a z test needs. */
import { chiSquareSf, normalQuantile, normalSf, studentTQuantile, studentTTwoSided } from './distributions';

export interface ProportionTest {
  /** Rate of the second group minus rate of the first. */
  difference: number;
  /** Wald interval of the difference (unpooled standard error). */
  differenceCi: [number, number];
  /** Relative uplift p2 / p1 - 1; null when p1 = 0. */
  relativeUplift: number | null;
  /** Delta-method interval on ln(p2 / p1), transformed back; null when a rate is 0. */
  relativeUpliftCi: [number, number] | null;
  /** z of the pooled two-proportion test. */
  z: number;
  /** Two-sided p-value; null when either group is empty or the pooled rate is 0 or 1. */
  pValue: number | null;
}

/** Two-proportion z test of x2/n2 against x1/n1 at confidence `level` (default 0.95). */
export function twoProportionTest(x1: number, n1: number, x2: number, n2: number, level = 0.95): ProportionTest {
  const critical = normalQuantile(1 - (1 - level) / 2);
  const p1 = n1 > 0 ? x1 / n1 : 0;
  const p2 = n2 > 0 ? x2 / n2 : 0;
  const difference = p2 - p1;
  const seDifference = n1 > 0 && n2 > 0 ? Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2) : Number.NaN;
  const pooled = n1 + n2 > 0 ? (x1 + x2) / (n1 + n2) : 0;
  const sePooled = n1 > 0 && n2 > 0 ? Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) : 0;
  const z = sePooled > 0 ? difference / sePooled : 0;
  const relativeUplift = p1 > 0 ? p2 / p1 - 1 : null;
  let relativeUpliftCi: [number, number] | null = null;
  if (p1 > 0 && p2 > 0) {
    const se = Math.sqrt((1 - p1) / (n1 * p1) + (1 - p2) / (n2 * p2));
    const center = Math.log(p2 / p1);
    relativeUpliftCi = [Math.exp(center - critical * se) - 1, Math.exp(center + critical * se) - 1];
  }
  return {
    difference,
    differenceCi: [difference - critical * seDifference, difference + critical * seDifference],
    relativeUplift,
    relativeUpliftCi,
    z,
    pValue: sePooled > 0 ? 2 * normalSf(Math.abs(z)) : null,
  };
}

export interface SampleSummary {
  n: number;
  mean: number;
  /** Sample variance (n - 1 denominator). */
  variance: number;
}

export interface WelchTest {
  /** Mean of the second sample minus mean of the first. */
  difference: number;
  differenceCi: [number, number];
  relativeUplift: number | null;
  t: number;
  /** Welch-Satterthwaite degrees of freedom. */
  df: number;
  pValue: number | null;
}

/** Welch's unequal-variances t test of sample 2 against sample 1 from summary statistics. */
export function welchTest(a: SampleSummary, b: SampleSummary, level = 0.95): WelchTest {
  const difference = b.mean - a.mean;
  const relativeUplift = a.mean !== 0 ? b.mean / a.mean - 1 : null;
  if (a.n < 2 || b.n < 2) return { difference, differenceCi: [Number.NaN, Number.NaN], relativeUplift, t: Number.NaN, df: Number.NaN, pValue: null };
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { difference, differenceCi: [difference, difference], relativeUplift, t: Number.NaN, df: Number.NaN, pValue: null };
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = difference / se;
  const critical = studentTQuantile(1 - (1 - level) / 2, df);
  return { difference, differenceCi: [difference - critical * se, difference + critical * se], relativeUplift, t, df, pValue: studentTTwoSided(t, df) };
}

/** Mean and sample variance of values (for tests and small samples). */
export function summarise(values: readonly number[]): SampleSummary {
  const n = values.length;
  const mean = n ? values.reduce((s, v) => s + v, 0) / n : 0;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { n, mean, variance };
}

export interface ChiSquareTest {
  statistic: number;
  df: number;
  pValue: number;
}

/** Pearson goodness of fit of observed counts against expected shares (normalised to sum to 1). */
export function chiSquareGoodnessOfFit(observed: readonly number[], expectedShares: readonly number[]): ChiSquareTest & { expected: number[] } {
  if (observed.length !== expectedShares.length || observed.length < 2) throw new RangeError('chi-square needs at least two categories and one expected share per category');
  const total = observed.reduce((s, x) => s + x, 0);
  const shareTotal = expectedShares.reduce((s, x) => s + x, 0);
  const expected = expectedShares.map((share) => (total * share) / shareTotal);
  let statistic = 0;
  observed.forEach((o, i) => {
    const e = expected[i]!;
    if (e > 0) statistic += (o - e) ** 2 / e;
    else if (o > 0) statistic = Infinity;
  });
  const df = observed.length - 1;
  return { statistic, df, pValue: Number.isFinite(statistic) ? chiSquareSf(statistic, df) : 0, expected };
}

/** Pearson chi-square test of homogeneity of conversion rates across groups (k x 2 table). */
export function chiSquareHomogeneity(converted: readonly number[], exposed: readonly number[]): ChiSquareTest {
  const n = exposed.reduce((s, x) => s + x, 0);
  const c = converted.reduce((s, x) => s + x, 0);
  let statistic = 0;
  exposed.forEach((ni, i) => {
    const xi = converted[i]!;
    const e1 = (ni * c) / n;
    const e0 = (ni * (n - c)) / n;
    if (e1 > 0) statistic += (xi - e1) ** 2 / e1;
    if (e0 > 0) statistic += (ni - xi - e0) ** 2 / e0;
  });
  const df = exposed.length - 1;
  return { statistic, df, pValue: chiSquareSf(statistic, df) };
}

/**
 * Persons per group for a two-sided two-proportion test at significance alpha and the given power to
 * detect rate p2 against p1 (Fleiss, without continuity correction); null when p1 = p2.
 */
export function sampleSizePerGroup(p1: number, p2: number, alpha = 0.05, power = 0.8): number | null {
  if (p1 === p2) return null;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const mean = (p1 + p2) / 2;
  const numerator = za * Math.sqrt(2 * mean * (1 - mean)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil(numerator ** 2 / (p2 - p1) ** 2);
}
