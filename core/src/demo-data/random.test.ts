import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Random, WeightedTable } from './random';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const draw = (n: number, f: () => number) => Array.from({ length: n }, f);

describe('Random', () => {
  it('is deterministic per seed and stream, and differs between them', () => {
    const a = draw(5, () => new Random(1).uint32());
    expect(draw(5, () => new Random(1).uint32())).toEqual(a);
    const r1 = new Random(1);
    const r2 = new Random(1);
    expect(draw(100, () => r1.uint32())).toEqual(draw(100, () => r2.uint32()));
    expect(new Random(1).uint32()).not.toBe(new Random(2).uint32());
    expect(new Random(1, 0).uint32()).not.toBe(new Random(1, 1).uint32());
    expect(Random.derive(7, 1).uint32()).not.toBe(Random.derive(7, 2).uint32());
  });

  it('draws from the advertised distributions', () => {
    const r = new Random(123);
    const u = draw(50_000, () => r.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(mean(u)).toBeCloseTo(0.5, 2);

    const ints = draw(20_000, () => r.int(3, 7));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5, 6, 7]));

    const normals = draw(50_000, () => r.normal(10, 2));
    const m = mean(normals);
    expect(m).toBeCloseTo(10, 1);
    expect(Math.sqrt(mean(normals.map((x) => (x - m) ** 2)))).toBeCloseTo(2, 1);

    expect(mean(draw(50_000, () => r.poisson(3.5)))).toBeCloseTo(3.5, 1);
    expect(mean(draw(20_000, () => r.poisson(80)))).toBeCloseTo(80, 0);
    expect(mean(draw(50_000, () => r.exponential(2)))).toBeCloseTo(0.5, 1);
    expect(mean(draw(50_000, () => r.geometric(0.25)))).toBeCloseTo(3, 1);
    const ln = draw(50_000, () => r.lognormal(Math.log(20), 0.5)).sort((a, b) => a - b);
    expect(ln[25_000]!).toBeGreaterThan(19);
    expect(ln[25_000]!).toBeLessThan(21);
    expect(mean(draw(20_000, () => r.beta(2, 6)))).toBeCloseTo(0.25, 1);
  });

  it('weighted picks follow the weights', () => {
    const r = new Random(9);
    const table = new WeightedTable(['a', 'b', 'c'], [1, 3, 0]);
    const counts = { a: 0, b: 0, c: 0 } as Record<string, number>;
    for (let i = 0; i < 40_000; i++) counts[table.pick(r)]!++;
    expect(counts.c).toBe(0);
    expect(counts.b! / counts.a!).toBeGreaterThan(2.8);
    expect(counts.b! / counts.a!).toBeLessThan(3.2);
    expect(r.weighted(['x', 'y'], [0, 1])).toBe('y');
    expect(() => new WeightedTable(['a'], [0])).toThrow(RangeError);
  });

  it('shuffles into a permutation and formats UUIDs', () => {
    const r = new Random(4);
    const xs = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = r.shuffle([...xs]);
    expect(shuffled).not.toEqual(xs);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(xs);
    expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.hex(12)).toMatch(/^[0-9a-f]{12}$/);
  });

  it('the generator sources never call Math.random', () => {
    const sources = (folder: string) =>
      readdirSync(new URL(folder, import.meta.url), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
        .map((file) => `${folder}${file}`);
    for (const file of [...sources('./'), ...sources('../random/')]) {
      const src = readFileSync(new URL(file, import.meta.url), 'utf8');
      expect(/Math\.random\s*\(/.test(src), file).toBe(false);
    }
  });
});
