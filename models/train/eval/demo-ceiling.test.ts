import { describe, expect, it } from 'vitest';
import type { PersonTruth } from '@privacy-analytics/core/demo-data';
import { SeededRandom } from '../nn/random';
import { trueProbability, truthIndex } from './demo-ceiling';

const DAY = 86_400_000;
const T = Date.UTC(2026, 11, 1);

function person(overrides: Partial<PersonTruth>): PersonTruth {
  return { sessionsPerDay: 0.5, churnHazard: 0.1, purchaseProbability: 0.05, churnedAt: null, userId: null, anonymousIds: [], ...overrides } as PersonTruth;
}

/** Simulates the generator's process from the cut-off: quiet from a geometric day, Poisson visits, daily purchases. */
function simulate(truth: PersonTruth, horizon: number, runs: number, seed: number, lead = 0): { churn: number; purchase: number } {
  const random = new SeededRandom(seed);
  let churned = 0;
  let purchased = 0;
  for (let run = 0; run < runs; run++) {
    let visits = 0;
    let bought = false;
    for (let day = 0; day < lead + horizon; day++) {
      if (day > 0 && random.next() < truth.churnHazard) break;
      let k = 0;
      for (let p = Math.exp(-truth.sessionsPerDay), u = random.next(); u > p; u *= random.next()) k++;
      const inWindow = day >= lead;
      if (inWindow) visits += k;
      if (random.next() < truth.purchaseProbability && inWindow) bought = true;
    }
    if (visits === 0) churned++;
    if (bought) purchased++;
  }
  return { churn: churned / runs, purchase: purchased / runs };
}

describe('demo ceiling: true probabilities from the generator truth', () => {
  it('is 1 (churn) and 0 (purchase) for a person already quiet at the cut-off', () => {
    const quiet = person({ churnedAt: new Date(T - DAY).toISOString() });
    expect(trueProbability(quiet, 'churn', T, 30)).toBe(1);
    expect(trueProbability(quiet, 'propensity', T, 7)).toBe(0);
  });

  it('closed forms: no hazard gives q^H; a one-day horizon gives q', () => {
    const steady = person({ churnHazard: 0, sessionsPerDay: 0.2, purchaseProbability: 0.1 });
    expect(trueProbability(steady, 'churn', T, 10)).toBeCloseTo(Math.exp(-0.2 * 10), 12);
    expect(trueProbability(steady, 'propensity', T, 7)).toBeCloseTo(1 - 0.9 ** 7, 12);
    expect(trueProbability(person({ churnHazard: 0.5 }), 'churn', T, 1)).toBeCloseTo(Math.exp(-0.5), 12);
  });

  it('agrees with a simulation of the process', () => {
    const truth = person({ churnHazard: 0.15, sessionsPerDay: 0.3, purchaseProbability: 0.04 });
    const simulated = simulate(truth, 7, 40_000, 5);
    expect(trueProbability(truth, 'churn', T, 7)).toBeCloseTo(simulated.churn, 2);
    expect(trueProbability(truth, 'propensity', T, 7)).toBeCloseTo(simulated.purchase, 2);
  });

  it('with a lead time: silence in [T + lead, T + lead + horizon) agrees with a simulation, and is likelier than from T', () => {
    const truth = person({ churnHazard: 0.08, sessionsPerDay: 0.4, purchaseProbability: 0.04 });
    const simulated = simulate(truth, 14, 40_000, 9, 7);
    const warned = trueProbability(truth, 'churn', T, 14, 7);
    expect(warned).toBeCloseTo(simulated.churn, 2);
    expect(warned).toBeGreaterThan(trueProbability(truth, 'churn', T, 14));
    expect(trueProbability(truth, 'churn', T, 14, 0)).toBe(trueProbability(truth, 'churn', T, 14));
  });

  it('indexes persons by user id and every anonymous id', () => {
    const truth = person({ userId: 'u-1', anonymousIds: ['a', 'b'] });
    const index = truthIndex([truth]);
    expect(index.get('u-1')).toBe(truth);
    expect(index.get('b')).toBe(truth);
    expect(index.size).toBe(3);
  });
});
