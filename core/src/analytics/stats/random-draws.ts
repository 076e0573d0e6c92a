/** Seeded normal, gamma and beta draws for Monte Carlo comparisons. */
import type { Rng } from '../../random/rng';
import { xoshiro128ss } from '../../random/xoshiro128ss';

/** xoshiro128** seeded through splitmix32 (core/src/random): deterministic for a given 32-bit seed. */
export function seededRng(seed: number): Rng {
  return xoshiro128ss(seed);
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
