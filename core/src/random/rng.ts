/** A source of uniform floats: what the samplers (normal, gamma and beta draws) need from a generator. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}
