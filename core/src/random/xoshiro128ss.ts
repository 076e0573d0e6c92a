import type { Rng } from './rng';
import { murmurSplitmix32 } from './splitmix32';

/**
 * xoshiro128** seeded through `murmurSplitmix32`: deterministic for a given 32-bit seed (other numbers are taken
 * modulo 2^32). Each float uses two outputs, so it has 53 random bits. The Monte Carlo draws' generator.
 */
export function xoshiro128ss(seed: number): Rng {
  const splitmix = murmurSplitmix32(seed >>> 0);
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
