/**
 * A seeded pseudo-random generator (sfc32 with the trainers' seeding, core/src/random) for weight initialisation,
 * shuffling and negative sampling: training is a pure function of its data and seed, in Node and in a browser
 * alike. Never Math.random.
 */
import { Sfc32, sfc32SeedFromMurmurSplitmix } from '@privacy-analytics/core/random';

export class SeededRandom extends Sfc32 {
  #spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    super(sfc32SeedFromMurmurSplitmix(seed));
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller, the second value kept for the next call). */
  normal(): number {
    if (this.#spareNormal !== null) {
      const spare = this.#spareNormal;
      this.#spareNormal = null;
      return spare;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates, in place. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
  }
}
