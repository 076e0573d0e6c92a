import { describe, expect, it } from 'vitest';
import { chiSquareSf, normalCdf, normalQuantile, normalSf, studentTCdf, studentTQuantile } from './distributions';

const close = (actual: number, expected: number, relative = 1e-12) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));

describe('distributions match printed tables', () => {
  it('standard normal CDF and quantiles', () => {
    close(normalCdf(0), 0.5);
    close(normalCdf(1.96), 0.9750021048517795);
    close(normalCdf(-1), 0.15865525393145707);
    // Far tail keeps relative precision.
    expect(normalSf(5) / 2.866515718791939e-7).toBeCloseTo(1, 12);
    expect(normalSf(8) / 6.22096057427178e-16).toBeCloseTo(1, 12);
    close(normalQuantile(0.975), 1.959963984540054);
    close(normalQuantile(0.995), 2.5758293035489004);
    close(normalQuantile(0.8), 0.8416212335729143);
    close(normalQuantile(0.5), 0);
    close(normalQuantile(1e-10), -6.361340902404056);
  });

  it('chi-square critical values', () => {
    // Table values (df, x) with P(X > x) = 0.05 (3.841, 5.991, 7.815, 18.307), and df 1 at 0.001 (10.828).
    for (const [df, x] of [[1, 3.8414588206941285], [2, 5.991464547107983], [3, 7.814727903251178], [10, 18.30703805327515]] as const) close(chiSquareSf(x, df), 0.05, 1e-11);
    close(chiSquareSf(10.827566170662733, 1), 0.001, 1e-11);
    // df 2 is exponential: P(X > x) = exp(-x / 2).
    close(chiSquareSf(4, 2), Math.exp(-2));
    expect(chiSquareSf(0, 3)).toBe(1);
  });

  it('Student t critical values and closed forms', () => {
    // Table values 12.706, 4.303, 2.228, 2.042, 2.015, 2.845, to full double precision.
    for (const [p, df, t] of [
      [0.975, 1, 12.706204736174694],
      [0.975, 2, 4.302652729749462],
      [0.975, 10, 2.228138851986274],
      [0.975, 30, 2.0422724563012378],
      [0.95, 5, 2.0150483733330233],
      [0.995, 20, 2.8453397097861077],
    ] as const) {
      close(studentTCdf(t, df), p, 1e-11);
      close(studentTQuantile(p, df), t, 1e-10);
    }
    // df 1 is Cauchy; df 2 has the closed form 1/2 + t / (2 sqrt(2 + t^2)).
    close(studentTCdf(1, 1), 0.75);
    close(studentTCdf(-3, 2), 0.5 - 3 / (2 * Math.sqrt(11)));
    close(studentTQuantile(0.975, Infinity), 1.959963984540054);
  });
});
