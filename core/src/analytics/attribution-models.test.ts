import { describe, expect, it } from 'vitest';
import { channelCredits, touchWeights, type HeuristicOptions } from './attribution-models';

const DAY = 86_400_000;
const options: HeuristicOptions = { halfLifeMs: 7 * DAY, directValues: new Set(['direct']) };
const path = (channels: string[], agesDays: number[] = channels.map((_, i) => channels.length - 1 - i)) => ({ channels, agesMs: agesDays.map((d) => d * DAY) });

describe('rule-based attribution models', () => {
  it('first, last and linear', () => {
    const p = path(['email', 'social', 'email', 'direct']);
    expect(touchWeights('first', p, options)).toEqual([1, 0, 0, 0]);
    expect(touchWeights('last', p, options)).toEqual([0, 0, 0, 1]);
    expect(touchWeights('linear', p, options)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(channelCredits('linear', p, options)).toEqual(new Map([['email', 0.5], ['social', 0.25], ['direct', 0.25]]));
  });

  it('last non-direct skips trailing direct touches, and falls back to the last touch when all are direct', () => {
    expect(touchWeights('last_non_direct', path(['email', 'social', 'direct', 'direct']), options)).toEqual([0, 1, 0, 0]);
    expect(touchWeights('last_non_direct', path(['direct', 'direct']), options)).toEqual([0, 1]);
    expect(touchWeights('last_non_direct', path(['social']), options)).toEqual([1]);
  });

  it('time decay halves the weight per half-life of age', () => {
    // Ages 14, 7 and 0 days with a 7-day half-life: raw weights 1/4, 1/2, 1, normalised by 7/4.
    const weights = touchWeights('time_decay', path(['a', 'b', 'c'], [14, 7, 0]), options);
    expect(weights[0]).toBeCloseTo(1 / 7, 15);
    expect(weights[1]).toBeCloseTo(2 / 7, 15);
    expect(weights[2]).toBeCloseTo(4 / 7, 15);
    // Touches years old still get weights (relative to the newest touch, no underflow).
    expect(touchWeights('time_decay', path(['a', 'b'], [40_000, 40_000]), options)).toEqual([0.5, 0.5]);
  });

  it('position based: 40/20/40, with one and two touches', () => {
    expect(touchWeights('position', path(['a']), options)).toEqual([1]);
    expect(touchWeights('position', path(['a', 'b']), options)).toEqual([0.5, 0.5]);
    expect(touchWeights('position', path(['a', 'b', 'c']), options)).toEqual([0.4, 0.2, 0.4]);
    const five = touchWeights('position', path(['a', 'b', 'c', 'd', 'e']), options);
    expect(five[0]).toBe(0.4);
    expect(five[4]).toBe(0.4);
    for (const middle of five.slice(1, 4)) expect(middle).toBeCloseTo(0.2 / 3, 15);
    expect(touchWeights('position', { channels: [], agesMs: [] }, options)).toEqual([]);
  });
});
