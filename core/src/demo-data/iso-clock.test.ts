import { describe, expect, it } from 'vitest';
import { IsoClock } from './iso-clock';

const START = new Date('2026-10-24T00:00:00Z');
const DAYS = 30;

describe('IsoClock', () => {
  it('formats timestamps exactly like Date#toISOString', () => {
    const clock = new IsoClock(START.getTime(), DAYS);
    for (let i = 0; i < 2_000; i++) {
      const ms = START.getTime() + Math.floor(((i * 2_654_435_761) % 4_294_967_296) / 4_294_967_296 * (DAYS + 3) * 86_400_000) - 86_400_000;
      expect(clock.iso(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
