import { describe, expect, it } from 'vitest';
import { Adam, type ParameterGroup } from './adam';

describe('Adam', () => {
  it('minimises a quadratic', () => {
    const values = Float64Array.of(5, -3);
    const grads = new Float64Array(2);
    const adam = new Adam([{ values, grads, decay: false }], { learningRate: 0.1, l2: 0 });
    for (let step = 0; step < 500; step++) {
      grads[0] = 2 * (values[0]! - 1);
      grads[1] = 2 * (values[1]! + 2);
      adam.step();
    }
    expect(values[0]).toBeCloseTo(1, 3);
    expect(values[1]).toBeCloseTo(-2, 3);
    expect(adam.steps).toBe(500);
  });

  it('the first step moves each parameter by the learning rate against its gradient sign (bias correction)', () => {
    const values = Float64Array.of(0, 0);
    const grads = Float64Array.of(3, -0.001);
    new Adam([{ values, grads, decay: false }], { learningRate: 0.01, l2: 0 }).step();
    expect(values[0]).toBeCloseTo(-0.01, 6);
    expect(values[1]).toBeCloseTo(0.01, 4);
    expect([...grads]).toEqual([0, 0]);
  });

  it('applies L2 only to groups marked decay: with zero loss gradient, decayed weights shrink to 0', () => {
    const weights = Float64Array.of(2);
    const bias = Float64Array.of(2);
    const groups: ParameterGroup[] = [
      { values: weights, grads: new Float64Array(1), decay: true },
      { values: bias, grads: new Float64Array(1), decay: false },
    ];
    const adam = new Adam(groups, { learningRate: 0.05, l2: 1 });
    for (let step = 0; step < 400; step++) adam.step();
    expect(Math.abs(weights[0]!)).toBeLessThan(0.05);
    expect(bias[0]).toBe(2);
  });

  it('updates only the touched rows of a sparse group', () => {
    const values = Float64Array.of(1, 1, 2, 2, 3, 3);
    const grads = Float64Array.of(0, 0, 1, 1, 0, 0);
    const touched = new Set([1]);
    new Adam([{ values, grads, decay: true, rowSize: 2, touched }], { learningRate: 0.1, l2: 0.5 }).step();
    expect([values[0], values[1], values[4], values[5]]).toEqual([1, 1, 3, 3]);
    expect(values[2]).toBeCloseTo(1.9, 6);
    expect(touched.size).toBe(0);
  });

  it('rejects a non-positive learning rate and a negative l2', () => {
    expect(() => new Adam([], { learningRate: 0, l2: 0 })).toThrow(/learning rate/);
    expect(() => new Adam([], { learningRate: 0.1, l2: -1 })).toThrow(/l2/);
  });
});
