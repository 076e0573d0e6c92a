/**
 * Distributions and tests for experiments and campaign lift, in plain TypeScript (no dependency):
 * normal, Student t and chi-square distribution functions through the regularised incomplete gamma
 * and beta functions (Numerical Recipes, 3rd ed., 6.1-6.4), a seeded PRNG with normal, gamma and
 * beta sampling, and the tests built on them. Accuracy is about 1e-14 relative for the CDFs; the tests
 * compare against printed table values (stats.test.ts).
 */

// ---------------------------------------------------------------------------------------------
// Special functions
// ---------------------------------------------------------------------------------------------

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b). */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

/** Regularised lower incomplete gamma P(a, x) and its complement Q(a, x) = 1 - P(a, x). */
export function incompleteGamma(a: number, x: number): { p: number; q: number } {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`incompleteGamma needs a > 0 and x >= 0, got a=${a}, x=${x}`);
  if (x === 0) return { p: 0, q: 1 };
  const front = Math.exp(-x + a * Math.log(x) - lnGamma(a));
  if (x < a + 1) {
    // Series: P = front * sum x^n / (a (a+1) ... (a+n)).
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    const p = Math.min(1, sum * front);
    return { p, q: 1 - p };
  }
  // Continued fraction for Q (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  const q = Math.min(1, front * h);
  return { p: 1 - q, q };
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1)) throw new RangeError(`incompleteBeta needs a, b > 0 and 0 <= x <= 1, got x=${x}, a=${a}, b=${b}`);
  if (x === 0 || x === 1) return x;
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - lnBeta(a, b));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

// ---------------------------------------------------------------------------------------------
// Distributions
// ---------------------------------------------------------------------------------------------

/** Standard normal upper tail P(Z > z), accurate far into the tail. */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const half = incompleteGamma(0.5, (z * z) / 2).q / 2;
  return z >= 0 ? half : 1 - half;
}

/** Standard normal CDF P(Z <= z). */
export function normalCdf(z: number): number {
  return normalSf(-z);
}

export function normalPdf(z: number): number {
  return Math.exp(-(z * z) / 2) / Math.sqrt(2 * Math.PI);
}

/** Standard normal quantile: Acklam's rational approximation refined by one Halley step. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError(`normalQuantile needs 0 <= p <= 1, got ${p}`);
  }
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  if (p > 0.5) return -normalQuantile(1 - p);
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  }
  const u = (normalCdf(x) - p) * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Student t CDF with `df` degrees of freedom (df may be fractional, as in Welch's test; Infinity is normal). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTCdf needs df > 0, got ${df}`);
  if (df === Infinity) return normalCdf(t);
  if (Number.isNaN(t)) return Number.NaN;
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/** Two-sided tail P(|T| > |t|). */
export function studentTTwoSided(t: number, df: number): number {
  if (df === Infinity) return 2 * normalSf(Math.abs(t));
  if (!Number.isFinite(t)) return Number.isNaN(t) ? Number.NaN : 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

export function studentTPdf(t: number, df: number): number {
  return Math.exp(lnGamma((df + 1) / 2) - lnGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** Student t quantile: Newton's method on the CDF from the normal quantile, kept inside a shrinking bracket. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile needs 0 < p < 1, got ${p}`);
  if (df === Infinity) return normalQuantile(p);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  if (p === 0.5) return 0;
  let low = 0;
  let high = 1;
  while (studentTCdf(high, df) < p) high *= 2;
  let x = Math.min(Math.max(normalQuantile(p), low), high);
  for (let i = 0; i < 200; i++) {
    const f = studentTCdf(x, df) - p;
    if (f === 0) return x;
    if (f < 0) low = x;
    else high = x;
    let next = x - f / studentTPdf(x, df);
    if (!(next > low && next < high)) next = (low + high) / 2;
    if (Math.abs(next - x) <= 1e-15 * Math.max(1, Math.abs(x))) return next;
    x = next;
  }
  return x;
}

/** Chi-square upper tail P(X > x) with k degrees of freedom. */
export function chiSquareSf(x: number, k: number): number {
  if (!(k > 0)) throw new RangeError(`chiSquareSf needs k > 0, got ${k}`);
  if (x <= 0) return 1;
  return incompleteGamma(k / 2, x / 2).q;
}

// ---------------------------------------------------------------------------------------------
// Seeded random numbers
// ---------------------------------------------------------------------------------------------

export interface Rng {
  /** Uniform in [0, 1), 53 random bits. */
  next(): number;
}

/** xoshiro128** seeded through splitmix32: deterministic for a given 32-bit seed. */
export function seededRng(seed: number): Rng {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const state = new Uint32Array([splitmix(), splitmix(), splitmix(), splitmix()]);
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const next32 = () => {
    const result = Math.imul(rotl(Math.imul(state[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (state[1]! << 9) >>> 0;
    state[2]! ^= state[0]!;
    state[3]! ^= state[1]!;
    state[1]! ^= state[2]!;
    state[0]! ^= state[3]!;
    state[2]! ^= t;
    state[3] = rotl(state[3]!, 11);
    return result;
  };
  return { next: () => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992 };
}

/** Standard normal draw (Marsaglia's polar method). */
export function normalDraw(rng: Rng): number {
  for (;;) {
    const u = 2 * rng.next() - 1;
    const v = 2 * rng.next() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/** Gamma(shape, 1) draw (Marsaglia and Tsang 2000; shape < 1 boosted by U^(1/shape)). */
export function gammaDraw(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`gammaDraw needs shape > 0, got ${shape}`);
  if (shape < 1) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    return gammaDraw(rng, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalDraw(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function betaDraw(rng: Rng, a: number, b: number): number {
  const x = gammaDraw(rng, a);
  const y = gammaDraw(rng, b);
  return x / (x + y);
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Bayesian Beta-Binomial
// ---------------------------------------------------------------------------------------------

export interface BetaPosterior {
  alpha: number;
  beta: number;
}

/**
 * P(X > Y) for X ~ Beta(x.alpha, x.beta), Y ~ Beta(y.alpha, y.beta), exact when one of the alphas is a
 * whole number (Evan Miller's closed form; the sum runs over the smaller whole alpha).
 */
export function probabilityGreater(x: BetaPosterior, y: BetaPosterior): number {
  const wholeX = Number.isInteger(x.alpha);
  const wholeY = Number.isInteger(y.alpha);
  if (!wholeX && !wholeY) throw new RangeError('probabilityGreater needs a whole-number alpha in one of the two posteriors');
  if (wholeX && (!wholeY || x.alpha <= y.alpha)) return sumGreater(x, y);
  return 1 - sumGreater(y, x);
}

/** P(X > Y) = sum_{i=0}^{X.alpha-1} B(Y.alpha+i, Y.beta+X.beta) / ((X.beta+i) B(1+i, X.beta) B(Y.alpha, Y.beta)). */
function sumGreater(x: BetaPosterior, y: BetaPosterior): number {
  let total = 0;
  const constant = lnBeta(y.alpha, y.beta);
  for (let i = 0; i < x.alpha; i++) {
    total += Math.exp(lnBeta(y.alpha + i, y.beta + x.beta) - Math.log(x.beta + i) - lnBeta(1 + i, x.beta) - constant);
  }
  return Math.min(1, Math.max(0, total));
}

/** E[max(Y - X, 0)]: the expected loss of choosing X over Y (exact, same conditions as probabilityGreater). */
export function expectedLoss(x: BetaPosterior, y: BetaPosterior): number {
  const meanY = y.alpha / (y.alpha + y.beta);
  const meanX = x.alpha / (x.alpha + x.beta);
  // E[Y 1{Y>X}] = E[Y] P(Y' > X), Y' ~ Beta(alpha+1, beta); likewise for X.
  const loss = meanY * probabilityGreater({ alpha: y.alpha + 1, beta: y.beta }, x) - meanX * probabilityGreater(y, { alpha: x.alpha + 1, beta: x.beta });
  return Math.max(0, loss);
}

export interface BayesianComparison {
  /** P(variant has the highest rate), in input order. */
  probabilityToBeBest: number[];
  /** E[max over variants of rate - rate of this variant]. */
  expectedLoss: number[];
  method: 'exact' | 'monte_carlo';
  draws: number | null;
}

/** Probability to be best and expected loss: exact for two posteriors, seeded Monte Carlo for more. */
export function compareBetaPosteriors(posteriors: readonly BetaPosterior[], options: { seed?: number; draws?: number } = {}): BayesianComparison {
  if (posteriors.length === 2) {
    const [a, b] = posteriors as [BetaPosterior, BetaPosterior];
    const bBeatsA = probabilityGreater(b, a);
    return { probabilityToBeBest: [1 - bBeatsA, bBeatsA], expectedLoss: [expectedLoss(a, b), expectedLoss(b, a)], method: 'exact', draws: null };
  }
  const draws = options.draws ?? 100_000;
  const rng = seededRng(options.seed ?? 1);
  const wins = new Array<number>(posteriors.length).fill(0);
  const loss = new Array<number>(posteriors.length).fill(0);
  const sample = new Array<number>(posteriors.length).fill(0);
  for (let d = 0; d < draws; d++) {
    let best = 0;
    posteriors.forEach((p, i) => {
      sample[i] = betaDraw(rng, p.alpha, p.beta);
      if (sample[i]! > sample[best]!) best = i;
    });
    wins[best]! += 1;
    const max = sample[best]!;
    for (let i = 0; i < sample.length; i++) loss[i]! += max - sample[i]!;
  }
  return { probabilityToBeBest: wins.map((w) => w / draws), expectedLoss: loss.map((l) => l / draws), method: 'monte_carlo', draws };
}
