import { describe, expect, it } from 'vitest';
import { summarise } from './frequentist-tests';
import { betaDraw, seededRng } from './random-draws';

describe('random draws', () => {
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
