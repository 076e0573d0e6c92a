import { describe, expect, it } from 'vitest';
import { SeededRandom } from './random';

describe('SeededRandom', () => {
  it('is a pure function of the seed', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const first = Array.from({ length: 5 }, () => a.uint32());
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.uint32())).not.toEqual(first);
  });

  it('draws uniforms in [0, 1), integers in [0, n) and standard normals', () => {
    const random = new SeededRandom(7);
    let sum = 0;
    let sumSquares = 0;
    let outOfRange = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const u = random.next();
      const k = random.int(3);
      if (u < 0 || u >= 1 || ![0, 1, 2].includes(k)) outOfRange++;
      const z = random.normal();
      sum += z;
      sumSquares += z * z;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sumSquares / n - 1)).toBeLessThan(0.05);
  });

  it('shuffles in place, keeping every element', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    new SeededRandom(1).shuffle(items);
    expect([...items].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(items).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rejects a seed that is not an integer', () => {
    expect(() => new SeededRandom(1.5)).toThrow(/integer/);
  });
});
