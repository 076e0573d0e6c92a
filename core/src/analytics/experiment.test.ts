import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../schema/event-columns';
import type { EventStore } from '../connectors/node/event-store';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { loadRows, track } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { parseExperimentSpec, runExperiment } from './experiment';
import { summarise, welchTest } from './stats';

const stores: Record<'wasm' | 'native', EventStore> = {} as never;
beforeAll(async () => {
  stores.wasm = await openWasmStore();
  stores.native = await openNativeStore({ threads: 1 });
});
afterAll(async () => Promise.all([stores.wasm?.close(), stores.native?.close()]));

const expose = (user: string, variant: string, at: string, experiment = 'checkout_button') => track(user, 'Experiment Viewed', at, { experiment, variant });
const order = (user: string, at: string, revenue: number) => track(user, 'Order Completed', at, { revenue });

/** control: 1000 exposed, 100 converted; treatment: 1000 exposed, 130 converted. Revenue 10/20/30 by person index. */
function abRows(): { rows: EventRow[]; revenue: Record<string, number[]> } {
  const rows: EventRow[] = [];
  const revenue: Record<string, number[]> = { control: [], treatment: [] };
  for (const [variant, converters] of [['control', 100], ['treatment', 130]] as const) {
    for (let i = 0; i < 1000; i++) {
      const user = `${variant}-${i}`;
      rows.push(expose(user, variant, '2024-03-01T10:00:00Z'));
      const value = i < converters ? 10 * (1 + (i % 3)) : 0;
      if (i < converters) rows.push(order(user, '2024-03-02T10:00:00Z', value));
      revenue[variant]!.push(value);
    }
  }
  return { rows, revenue };
}

describe.each(['wasm', 'native'] as const)('experiment on %s', (engine) => {
  it('compares 100/1000 with 130/1000: z test, Welch, Beta-Binomial and SRM', async () => {
    const { rows, revenue } = abRows();
    // Noise that must not count: an order before exposure, an order of an unexposed person, another experiment.
    rows.push(order('control-500', '2024-02-01T00:00:00Z', 99), order('nobody', '2024-03-02T00:00:00Z', 5), expose('x-1', 'control', '2024-03-01T00:00:00Z', 'other'));
    await loadRows(stores[engine], rows);
    const result = await runExperiment(stores[engine], { experiment: 'checkout_button', exposure: { event: 'Experiment Viewed' }, goal: { event: 'Order Completed' }, expectedSplit: { control: 0.5, treatment: 0.5 } });
    expect(result.variants.map(({ variant, exposed, converted, rate }) => ({ variant, exposed, converted, rate }))).toEqual([
      { variant: 'control', exposed: 1000, converted: 100, rate: 0.1 },
      { variant: 'treatment', exposed: 1000, converted: 130, rate: 0.13 },
    ]);
    // Pooled z = 2.10274, two-sided p = 0.035488 (stats.test.ts).
    expect(result.pValue).toBeCloseTo(0.03548845046647471, 10);
    expect(result.uplift!.estimate).toBeCloseTo(0.3, 12);
    expect(result.uplift!.ci95![0]).toBeGreaterThan(0);
    expect(result.uplift!.absolute.estimate).toBeCloseTo(0.03, 12);
    // P(treatment best) = int f_T(x) F_C(x) dx over Beta(131, 871) and Beta(101, 901), by quadrature 0.98216507.
    expect(result.probabilityToBeBest.treatment).toBeCloseTo(0.9821650661163506, 9);
    expect(result.expectedLoss.treatment).toBeCloseTo(9.237449150470709e-5, 11);
    expect(result.bayesian.method).toBe('exact');
    expect(result.srm).toMatchObject({ chiSquare: 0, pValue: 1, mismatch: false });
    const welch = welchTest(summarise(revenue.control!), summarise(revenue.treatment!));
    expect(result.comparisons[0]!.revenue.t).toBeCloseTo(welch.t, 10);
    expect(result.comparisons[0]!.revenue.df).toBeCloseTo(welch.df, 6);
    // 44 converters pay 10, 43 pay 20, 43 pay 30: 2590 over 1000 persons.
    expect(result.variants[1]!.revenuePerPerson).toBeCloseTo(2.59, 12);
    // 10% relative MDE on a 10% rate needs ~14,750 per variant: underpowered.
    expect(result.guidance.sufficient).toBe(false);
    expect(result.guidance.requiredPerVariant).toBeGreaterThan(14_000);
    expect(result.guidance.messages.join('\n')).toMatch(/underpowered: 1000 persons in the smallest variant/);
    expect(result.warnings).toEqual([]);
  });

  it('warns loudly on a sample ratio mismatch and leaves out persons who saw both variants', async () => {
    const rows: EventRow[] = [];
    for (let i = 0; i < 1000; i++) rows.push(expose(`a${i}`, 'control', '2024-03-01T00:00:00Z'));
    for (let i = 0; i < 800; i++) rows.push(expose(`b${i}`, 'treatment', '2024-03-01T00:00:00Z'));
    rows.push(expose('both', 'treatment', '2024-03-01T00:00:00Z'), expose('both', 'control', '2024-03-01T01:00:00Z'));
    rows.push(order('a1', '2024-03-05T00:00:00Z', 10), order('b1', '2024-03-01T00:30:00Z', 10), order('b2', '2024-03-09T00:00:00Z', 10));
    await loadRows(stores[engine], rows);
    const result = await runExperiment(stores[engine], { experiment: 'checkout_button', expectedSplit: { control: 1, treatment: 1 }, window: { value: 7, unit: 'day' } });
    // (100^2 + 100^2) / 900 = 22.22 on 1 df: p = 2.4e-6.
    expect(result.srm.chiSquare).toBeCloseTo(200 / 9, 10);
    expect(result.srm.pValue).toBeLessThan(1e-5);
    expect(result.srm.mismatch).toBe(true);
    expect(result.warnings[0]).toMatch(/^SAMPLE RATIO MISMATCH: exposed persons control 1000 \(expected 900.0\), treatment 800 \(expected 900.0\)/);
    expect(result.multipleVariantPersons).toBe(1);
    expect(result.warnings[1]).toBe('1 person(s) saw more than one variant and were left out');
    // b2 converted after the 7-day window.
    expect(result.variants.map((v) => v.converted)).toEqual([1, 1]);
    const kept = await runExperiment(stores[engine], { experiment: 'checkout_button', multipleVariants: 'first' });
    expect(kept.variants.find((v) => v.variant === 'treatment')!.exposed).toBe(801);
    expect(kept.variants.map((v) => v.converted)).toEqual([1, 2]);
    expect(kept.guidance.messages[0]).toMatch(/the z test needs at least 10 converted/);
  });

  it('counts only exposures from `from` on, and goals before `to`', async () => {
    await loadRows(stores[engine], [
      expose('early', 'control', '2024-02-28T23:00:00Z'),
      expose('c1', 'control', '2024-03-01T00:00:00Z'),
      expose('t1', 'treatment', '2024-03-02T00:00:00Z'),
      order('c1', '2024-03-03T00:00:00Z', 10),
      order('t1', '2024-03-12T00:00:00Z', 10),
    ]);
    const result = await runExperiment(stores[engine], { experiment: 'checkout_button', from: '2024-03-01', to: '2024-03-10' });
    expect(result.variants.map((v) => [v.variant, v.exposed, v.converted])).toEqual([
      ['control', 1, 1],
      ['treatment', 1, 0],
    ]);
  });

  it('runs three variants with Monte Carlo and a Bonferroni-adjusted headline', async () => {
    const rows: EventRow[] = [];
    ['a', 'b', 'c'].forEach((variant, k) => {
      for (let i = 0; i < 300; i++) {
        rows.push(expose(`${variant}${i}`, variant, '2024-03-01T00:00:00Z'));
        if (i < 30 + 15 * k) rows.push(order(`${variant}${i}`, '2024-03-02T00:00:00Z', 1));
      }
    });
    await loadRows(stores[engine], rows);
    const result = await runExperiment(stores[engine], { experiment: 'checkout_button', control: 'a', seed: 3, draws: 20_000 });
    expect(result.bayesian.method).toBe('monte_carlo');
    expect(result.compared).toBe('c');
    expect(result.pValue).toBeCloseTo(Math.min(1, 2 * result.comparisons[1]!.conversion.pValue!), 12);
    expect(Object.values(result.probabilityToBeBest).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    expect(result.probabilityToBeBest.c).toBeGreaterThan(0.9);
  });
});

describe('experiment spec', () => {
  it('needs an experiment and validates the split', () => {
    expect(() => parseExperimentSpec({})).toThrow(/spec.experiment/);
    expect(() => parseExperimentSpec({ experiment: 'x', expectedSplit: { control: 1 } })).toThrow('spec.expectedSplit: expectedSplit needs at least two variants');
    expect(() => parseExperimentSpec({ experiment: 'x', expectedSplit: { control: 1, treatment: 0 } })).toThrow(/expected shares must be above 0/);
  });
});
