/**
 * The two splitmix32 variants that expand seeds into generator state. They share the golden-ratio increment and
 * differ in the finaliser. Each generator keeps the variant it was born with: swapping one for the other would
 * change every seeded result (the demo data's planted effects, trained models, Monte Carlo draws).
 */

const GOLDEN_GAMMA = 0x9e3779b9;
const TWO_POW_32 = 4294967296;

/** One splitmix32 step with the finaliser constants 0x21f0aaad and 0x735a2d97: the demo data's seeds. */
export function splitmix32(state: number): number {
  let z = (state + GOLDEN_GAMMA) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** Mixes any number of integers into one 32-bit value (used to derive independent sub-streams). */
export function hashInts(...values: number[]): number {
  let h = 0x6a09e667;
  for (const v of values) {
    // Fold in the low and high 32 bits so large integers (e.g. 2**40) stay distinct.
    const lo = v | 0;
    const hi = Math.floor(v / TWO_POW_32) | 0;
    h = splitmix32(h ^ lo);
    h = splitmix32(h ^ hi);
  }
  return h;
}

/**
 * A splitmix32 sequence with MurmurHash3's fmix32 finaliser (0x85ebca6b, 0xc2b2ae35) from a 32-bit seed: the
 * trainers' and the Monte Carlo draws' seeds.
 */
export function murmurSplitmix32(seed32: number): () => number {
  let state = seed32 | 0;
  return () => {
    state = (state + GOLDEN_GAMMA) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}
