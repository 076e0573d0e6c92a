/**
 * The demo-data generator's draws: uniform, integer, weighted, normal, Poisson, ... and ids, over sfc32 with the
 * demo seeding (core/src/random). Everything in the generator draws from an instance of `Random`; Math.random is
 * never used, so output is a pure function of the seed.
 */
import { Sfc32, sfc32SeedFromSplitmix } from '../random/sfc32';
import { hashInts } from '../random/splitmix32';

// Still exported from the demo-data entry, where it has always been; it lives with the other seedings now.
export { hashInts };

/** Hex strings for all 256 byte values, for fast id formatting. */
const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex32(v: number): string {
  return HEX_BYTE[(v >>> 24) & 255]! + HEX_BYTE[(v >>> 16) & 255]! + HEX_BYTE[(v >>> 8) & 255]! + HEX_BYTE[v & 255]!;
}

/** Seeded PRNG with distribution helpers. Not cryptographically secure (it is not meant to be). */
export class Random extends Sfc32 {
  private spareNormal = 0;
  private hasSpareNormal = false;

  constructor(seed: number, stream = 0) {
    super(sfc32SeedFromSplitmix(seed, stream));
  }

  /** A new generator whose stream depends on this generator's seed material and `key` only. */
  static derive(seed: number, ...key: number[]): Random {
    return new Random(hashInts(seed, ...key), key.length);
  }

  /** Uniform float in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty array');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Element chosen with probability proportional to its weight (linear scan; see WeightedTable for hot paths). */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      x -= weights[i]!;
      if (x < 0) return items[i]!;
    }
    return items[items.length - 1]!;
  }

  /** Standard normal N(mean, sd) by Box-Muller (the second value is cached). */
  normal(mean = 0, sd = 1): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return mean + sd * this.spareNormal;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    this.hasSpareNormal = true;
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal: exp(N(mu, sigma)). The median is exp(mu). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** Exponential with the given rate (mean 1 / rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }

  /** Poisson-distributed count with mean lambda (Knuth's method; normal approximation above 30). */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda > 30) return Math.max(0, Math.round(this.normal(lambda, Math.sqrt(lambda))));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Number of failures before the first success with success probability p (0, 1, 2, ...). */
  geometric(p: number): number {
    if (p >= 1) return 0;
    if (p <= 0) return Number.POSITIVE_INFINITY;
    return Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }

  /** Beta(alpha, beta) for alpha, beta >= 1 via two gamma draws (Marsaglia-Tsang). */
  beta(alpha: number, beta: number): number {
    const x = this.gamma(alpha);
    const y = this.gamma(beta);
    return x / (x + y);
  }

  /** Gamma(shape, 1) by Marsaglia-Tsang; shape < 1 uses the boost trick. */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.next() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /** `n` random hex characters (n a multiple of 8 is fastest). */
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += hex32(this.uint32());
    return s.length === n ? s : s.slice(0, n);
  }

  /** RFC 4122 version-4-shaped UUID drawn from this generator (deterministic, not random-quality). */
  uuid(): string {
    const a = this.uint32();
    const b = this.uint32();
    const c = this.uint32();
    const d = this.uint32();
    const b2 = ((b & 0xffff0fff) | 0x00004000) >>> 0; // version 4
    const c2 = ((c & 0x3fffffff) | 0x80000000) >>> 0; // variant 10xx
    const hb = hex32(b2);
    const hc = hex32(c2);
    return `${hex32(a)}-${hb.slice(0, 4)}-${hb.slice(4)}-${hc.slice(0, 4)}-${hc.slice(4)}${hex32(d)}`;
  }
}

/**
 * Precomputed cumulative weights for repeated weighted picks from the same list
 * (binary search, O(log n) per pick).
 */
export class WeightedTable<T> {
  readonly items: readonly T[];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(items: readonly T[], weights: readonly number[]) {
    if (items.length === 0 || items.length !== weights.length) {
      throw new RangeError(`WeightedTable needs as many weights as items (got ${items.length} items, ${weights.length} weights)`);
    }
    this.items = items;
    this.cumulative = new Float64Array(items.length);
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weight ${i} must be a finite number >= 0, got ${w}`);
      total += w;
      this.cumulative[i] = total;
    }
    if (!(total > 0)) throw new RangeError('WeightedTable weights must not all be zero');
    this.total = total;
  }

  /** Builds a table from [item, weight] pairs. */
  static of<T>(pairs: ReadonlyArray<readonly [T, number]>): WeightedTable<T> {
    return new WeightedTable(
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    );
  }

  pickIndex(rng: Random): number {
    const x = rng.next() * this.total;
    const cum = this.cumulative;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  pick(rng: Random): T {
    return this.items[this.pickIndex(rng)]!;
  }
}
