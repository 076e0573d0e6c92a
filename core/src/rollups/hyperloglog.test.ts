import { describe, expect, it } from 'vitest';
import { HLL_REGISTERS, HyperLogLog } from './hyperloglog';

/** A 32-hex id standing for a hashed person id (mulberry32 draws). */
export function hashedIdOf(n: number): string {
  let a = (n * 7919 + 17) >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: 4 }, () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0')).join('');
}

function sketchOf(ids: Iterable<string>): HyperLogLog {
  const sketch = new HyperLogLog();
  for (const id of ids) sketch.add(id);
  return sketch;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => hashedIdOf(from + i));

describe('HyperLogLog persons sketch', () => {
  it('is exact for the small counts of a minute (linear counting)', () => {
    for (const n of [0, 1, 2, 10, 50]) expect(sketchOf(range(0, n)).estimate()).toBe(n);
    expect(sketchOf([...range(0, 20), ...range(0, 20)]).estimate()).toBe(20);
  });

  it.each([1_000, 10_000, 100_000])('estimates %i distinct ids within 5 %', (n) => {
    const estimate = sketchOf(range(0, n)).estimate();
    expect(Math.abs(estimate - n) / n).toBeLessThan(0.05);
  });

  it('merges to the sketch of the union (shards and buckets overlap)', () => {
    const a = sketchOf(range(0, 600));
    const b = sketchOf(range(400, 1000));
    expect(a.merge(b).registers).toEqual(sketchOf(range(0, 1000)).registers);
  });

  it('hashes ids that are not hex too', () => {
    expect(sketchOf(['anon-1', 'anon-2', 'anon-1']).estimate()).toBe(2);
  });

  it('encodes sparse while small and dense when full, and decodes both', () => {
    const small = sketchOf(range(0, 10));
    expect(small.encode().length).toBe(30);
    expect(HyperLogLog.decode(small.encode()).registers).toEqual(small.registers);
    const large = sketchOf(range(0, 5000));
    expect(large.encode().length).toBe(HLL_REGISTERS);
    expect(HyperLogLog.decode(large.encode().buffer as ArrayBuffer).registers).toEqual(large.registers);
    expect(() => HyperLogLog.decode(new Uint8Array(4))).toThrow('HyperLogLog: a sparse sketch has a multiple of 3 bytes, got 4');
  });
});
