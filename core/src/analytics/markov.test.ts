import { describe, expect, it } from 'vitest';
import { markovAttribution } from './markov';

const close = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 12);

describe('Markov chain attribution, solved by hand', () => {
  it('two channels, four journeys', () => {
    // start -> A (2/4), B (2/4); A -> B (1/2), null (1/2); B -> conversion (2/3), null (1/3).
    // P = 1/2 * 1/2 * 2/3 + 1/2 * 2/3 = 1/2.
    // Without A: start -> A goes to null: P = 1/2 * 2/3 = 1/3, removal effect 1 - (1/3)/(1/2) = 1/3.
    // Without B: nothing reaches conversion: removal effect 1. Shares 1/4 and 3/4.
    const model = markovAttribution([
      { channels: ['A', 'B'], converted: true, count: 1 },
      { channels: ['A'], converted: false, count: 1 },
      { channels: ['B'], converted: true, count: 1 },
      { channels: ['B'], converted: false, count: 1 },
    ]);
    close(model.conversionProbability, 0.5);
    close(model.removalEffects.A!, 1 / 3);
    close(model.removalEffects.B!, 1);
    close(model.shares.A!, 0.25);
    close(model.shares.B!, 0.75);
    expect(model.states).toBe(2);
    expect(model.transitions).toEqual([
      { from: '(start)', to: 'A', count: 2, probability: 0.5 },
      { from: '(start)', to: 'B', count: 2, probability: 0.5 },
      { from: 'A', to: '(null)', count: 1, probability: 0.5 },
      { from: 'A', to: 'B', count: 1, probability: 0.5 },
      { from: 'B', to: '(conversion)', count: 2, probability: 2 / 3 },
      { from: 'B', to: '(null)', count: 1, probability: 1 / 3 },
    ]);
  });

  it('a loop between channels, first and second order', () => {
    // A -> B -> conversion and B -> A -> null.
    // Order 1: start -> A, B (1/2 each); A -> B, null (1/2 each); B -> conversion, A (1/2 each).
    //   xA = xB / 2, xB = 1/2 + xA / 2  =>  xB = 2/3, xA = 1/3, P = (1/3 + 2/3) / 2 = 1/2.
    //   Without A: xB = 1/2, P = 1/4, effect 1/2. Without B: P = 0, effect 1. Shares 1/3, 2/3.
    const journeys = [
      { channels: ['A', 'B'], converted: true, count: 1 },
      { channels: ['B', 'A'], converted: false, count: 1 },
    ];
    const first = markovAttribution(journeys, 1);
    close(first.conversionProbability, 0.5);
    close(first.removalEffects.A!, 0.5);
    close(first.removalEffects.B!, 1);
    close(first.shares.A!, 1 / 3);
    // Order 2: states A, B, A>B, B>A; the chain remembers the order, so each channel is indispensable.
    const second = markovAttribution(journeys, 2);
    expect(second.states).toBe(4);
    close(second.conversionProbability, 0.5);
    close(second.removalEffects.A!, 1);
    close(second.removalEffects.B!, 1);
    close(second.shares.A!, 0.5);
    expect(second.transitions.find((t) => t.from === 'A > B')).toEqual({ from: 'A > B', to: '(conversion)', count: 1, probability: 1 });
  });

  it('self-loops do not change absorption probabilities', () => {
    const looped = markovAttribution([
      { channels: ['A', 'A', 'A', 'B'], converted: true, count: 3 },
      { channels: ['A'], converted: false, count: 1 },
    ]);
    // start -> A; A -> A (6/10), B (3/10), null (1/10); B -> conversion: P = 0.3 / 0.4 = 3/4.
    close(looped.conversionProbability, 0.75);
    close(looped.removalEffects.A!, 1);
    close(looped.removalEffects.B!, 1);
  });

  it('gives all-zero effects when nothing converts, and solves large chains iteratively', () => {
    const none = markovAttribution([{ channels: ['A'], converted: false, count: 5 }]);
    expect(none.conversionProbability).toBe(0);
    expect(none.shares).toEqual({ A: 0 });
    // 30 channels at order 2: 30 + 900 states, above the dense limit, so Gauss-Seidel solves it.
    const journeys = Array.from({ length: 30 }, (_, i) => ({ channels: [`c${i}`], converted: i % 3 === 0, count: 1 + i }));
    const pairs = Array.from({ length: 900 }, (_, k) => ({ channels: [`c${Math.floor(k / 30)}`, `c${k % 30}`], converted: false, count: 1 }));
    const dense = markovAttribution(journeys, 1);
    const total = journeys.reduce((s, j) => s + j.count, 0);
    const converted = journeys.filter((j) => j.converted).reduce((s, j) => s + j.count, 0);
    close(dense.conversionProbability, converted / total);
    const big = markovAttribution([...journeys, ...pairs], 2);
    expect(big.states).toBeGreaterThan(400);
    // Pair states only lead to (null), so P = converted journeys / all journeys.
    close(big.conversionProbability, converted / (total + 900));
    expect(Object.values(big.shares).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
  });
});
