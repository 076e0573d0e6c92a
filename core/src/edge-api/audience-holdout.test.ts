import { describe, expect, it } from 'vitest';
import { holdoutDraw, isHeldOut } from './audience-holdout';

const ids = Array.from({ length: 20_000 }, (_, i) => (i * 2654435761 >>> 0).toString(16).padStart(8, '0').repeat(4));

describe('audience holdout', () => {
  it('is deterministic per audience and id, and differs between audiences', () => {
    expect(ids.slice(0, 100).map((id) => isHeldOut('spring', id, 0.1))).toEqual(ids.slice(0, 100).map((id) => isHeldOut('spring', id, 0.1)));
    const spring = ids.filter((id) => isHeldOut('spring', id, 0.1));
    const autumn = ids.filter((id) => isHeldOut('autumn', id, 0.1));
    // Independent draws overlap in about 10 % of each other.
    const overlap = spring.filter((id) => autumn.includes(id)).length / spring.length;
    expect(overlap).toBeGreaterThan(0.05);
    expect(overlap).toBeLessThan(0.15);
  });

  it('holds out the share asked for, within 4 standard errors, at several shares; 0 holds out nobody', () => {
    for (const share of [0.05, 0.1, 0.2, 0.5]) {
      const held = ids.filter((id) => isHeldOut('a1', id, share)).length / ids.length;
      const se = Math.sqrt((share * (1 - share)) / ids.length);
      expect(Math.abs(held - share), `share ${share}`).toBeLessThan(4 * se);
    }
    expect(ids.some((id) => isHeldOut('a1', id, 0))).toBe(false);
    for (const id of ids.slice(0, 1000)) {
      const draw = holdoutDraw('a1', id);
      expect(draw).toBeGreaterThanOrEqual(0);
      expect(draw).toBeLessThan(1);
    }
  });
});
