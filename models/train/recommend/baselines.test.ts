import { describe, expect, it } from 'vitest';
import { ItemCooccurrence, popularity } from './baselines';

describe('recommendation baselines', () => {
  const pairs = [
    { person: 0, item: 0, weight: 1 },
    { person: 0, item: 1, weight: 1 },
    { person: 1, item: 0, weight: 1 },
    { person: 1, item: 1, weight: 5 },
    { person: 2, item: 0, weight: 1 },
    { person: 2, item: 2, weight: 1 },
  ];

  it('popularity counts persons per item', () => {
    expect([...popularity(pairs, 4)]).toEqual([3, 2, 1, 0]);
  });

  it('co-occurrence is the cosine of item person sets, scored through a weighted history', () => {
    const co = new ItemCooccurrence(pairs, 4);
    expect(co.similarity[0 * 4 + 1]).toBeCloseTo(2 / Math.sqrt(3 * 2), 12);
    expect(co.similarity[0 * 4 + 2]).toBeCloseTo(1 / Math.sqrt(3), 12);
    expect(co.similarity[1 * 4 + 2]).toBe(0);
    expect(co.similarity[0]).toBe(0);
    const out = new Float64Array(4);
    co.score([{ item: 1, weight: 2 }], out);
    expect(out[0]).toBeCloseTo(2 * (2 / Math.sqrt(6)), 12);
    expect(out[3]).toBe(0);
  });
});
