/**
 * sfc32 (Chris Doty-Humphrey's "Small Fast Chaotic" generator, 128-bit state, passes PractRand), and the two
 * seedings that feed it. The seedings stay separate because each one fixes outputs that are already published:
 * `sfc32SeedFromSplitmix` the demo data (its planted effects and ground truth), `sfc32SeedFromMurmurSplitmix` the
 * trained models. Not cryptographically secure (it is not meant to be).
 */
import { hashInts, murmurSplitmix32, splitmix32 } from './splitmix32';

const TWO_POW_32 = 4294967296;

/** The four 32-bit state words. */
export type Sfc32Seed = readonly [a: number, b: number, c: number, d: number];

export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: Sfc32Seed) {
    [this.a, this.b, this.c, this.d] = seed;
    // Discard the first outputs so the state is well mixed.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    const a = this.a | 0;
    const b = this.b | 0;
    const c = this.c | 0;
    const d = this.d | 0;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.c = (r + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.uint32() / TWO_POW_32;
  }
}

/** The demo data's seeding: seed and stream hashed together, expanded by `splitmix32`, the counter word odd. */
export function sfc32SeedFromSplitmix(seed: number, stream: number): Sfc32Seed {
  let s = hashInts(seed, stream);
  const a = (s = splitmix32(s));
  const b = (s = splitmix32(s));
  const c = (s = splitmix32(s));
  const d = splitmix32(s) | 1;
  return [a, b, c, d];
}

/** The trainers' seeding: a safe integer folded to 32 bits, expanded by `murmurSplitmix32`. */
export function sfc32SeedFromMurmurSplitmix(seed: number): Sfc32Seed {
  const next = murmurSplitmix32((seed ^ Math.floor(seed / TWO_POW_32)) >>> 0);
  return [next(), next(), next(), next()];
}
