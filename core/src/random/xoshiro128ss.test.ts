import { describe, expect, it } from 'vitest';
import { xoshiro128ss } from './xoshiro128ss';

describe('xoshiro128ss', () => {
  it('gives the stream the Monte Carlo comparisons use (pinned outputs)', () => {
    const rng = xoshiro128ss(1);
    expect([rng.next(), rng.next(), rng.next()]).toEqual([0.5686059948349658, 0.8893939367683266, 0.4705824180198359]);
  });

  it('takes seeds modulo 2^32', () => {
    expect(xoshiro128ss(2 ** 32 + 5).next()).toBe(xoshiro128ss(5).next());
  });
});
