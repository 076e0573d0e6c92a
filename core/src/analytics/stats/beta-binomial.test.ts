import { describe, expect, it } from 'vitest';
import { compareBetaPosteriors, expectedLoss, probabilityGreater } from './beta-binomial';

const close = (actual: number, expected: number, relative = 1e-12) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));

describe('Beta-Binomial', () => {
  it('P(Beta(2,1) > Beta(1,1)) = 2/3 and the expected loss of the uniform is 1/4 (by integration)', () => {
    close(probabilityGreater({ alpha: 2, beta: 1 }, { alpha: 1, beta: 1 }), 2 / 3);
    close(probabilityGreater({ alpha: 1, beta: 1 }, { alpha: 2, beta: 1 }), 1 / 3);
    // E[max(B - A, 0)] = int_0^1 2b * b^2/2 db = 1/4; E[max(A - B, 0)] = int_0^1 (1 - b)^2/2 * 2b db = 1/12.
    close(expectedLoss({ alpha: 1, beta: 1 }, { alpha: 2, beta: 1 }), 1 / 4);
    close(expectedLoss({ alpha: 2, beta: 1 }, { alpha: 1, beta: 1 }), 1 / 12);
  });

  it('is symmetric for equal data and agrees with seeded Monte Carlo', () => {
    close(probabilityGreater({ alpha: 31, beta: 971 }, { alpha: 31, beta: 971 }), 0.5, 1e-10);
    const posteriors = [
      { alpha: 101, beta: 901 },
      { alpha: 131, beta: 871 },
    ];
    const exact = compareBetaPosteriors(posteriors);
    expect(exact.method).toBe('exact');
    // Normal approximation: P ~ Phi(0.03 / sqrt(0.1*0.9/1002 + 0.13*0.87/1002)) ~ 0.982.
    expect(exact.probabilityToBeBest[1]).toBeGreaterThan(0.98);
    expect(exact.probabilityToBeBest[1]).toBeLessThan(0.985);
    const third = compareBetaPosteriors([...posteriors, { alpha: 1, beta: 1_000_000 }], { seed: 7, draws: 200_000 });
    expect(third.method).toBe('monte_carlo');
    expect(Math.abs(third.probabilityToBeBest[1]! - exact.probabilityToBeBest[1]!)).toBeLessThan(0.003);
    expect(Math.abs(third.expectedLoss[0]! - exact.expectedLoss[0]!)).toBeLessThan(0.0005);
    expect(third.probabilityToBeBest[2]).toBe(0);
    // Same seed, same answer.
    expect(compareBetaPosteriors([...posteriors, { alpha: 2, beta: 2 }], { seed: 3, draws: 1000 })).toEqual(compareBetaPosteriors([...posteriors, { alpha: 2, beta: 2 }], { seed: 3, draws: 1000 }));
  });
});
