import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../schema/event-columns';
import type { EventStore } from '../connectors/node/event-store';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { ev, loadRows, track } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { parseCampaignLiftSpec, runCampaignLift } from './campaign-lift';

const stores: Record<'wasm' | 'native', EventStore> = {} as never;
beforeAll(async () => {
  stores.wasm = await openWasmStore();
  stores.native = await openNativeStore({ threads: 1 });
});
afterAll(async () => Promise.all([stores.wasm?.close(), stores.native?.close()]));

const page = (user: string, at: string) => ev({ at, type: 'page', event: 'page', user_id: user });

function rows(): EventRow[] {
  const out: EventRow[] = [];
  for (let i = 0; i < 10; i++) {
    out.push(page(`b${i}`, '2024-01-02T09:00:00Z'));
    out.push(page(`c${i}`, `2024-01-${String(8 + (i % 5)).padStart(2, '0')}T09:00:00Z`));
  }
  // Baseline: 2 of 10 buy for 10 on Jan 2; 3 come back within 7 days after Jan 7.
  out.push(track('b0', 'Order Completed', '2024-01-02T10:00:00Z', { revenue: 10 }), track('b1', 'Order Completed', '2024-01-02T11:00:00Z', { revenue: 10 }));
  for (const b of ['b0', 'b1', 'b2']) out.push(track(b, 'App Opened', '2024-01-09T00:00:00Z'));
  // Campaign: 5 of 10 buy for 20, one a day from Jan 8 to Jan 12; 5 come back.
  for (let i = 0; i < 5; i++) {
    out.push(track(`c${i}`, 'Order Completed', `2024-01-${String(8 + i).padStart(2, '0')}T10:00:00Z`, { revenue: 20 }));
    out.push(track(`c${i}`, 'App Opened', '2024-01-16T00:00:00Z'));
  }
  out.push(track('z', 'late', '2024-01-22T00:00:00Z'));
  return out;
}

describe.each(['wasm', 'native'] as const)('campaign lift on %s', (engine) => {
  it('compares conversion, revenue and retention of a campaign week with the week before', async () => {
    await loadRows(stores[engine], rows());
    const result = await runCampaignLift(stores[engine], {
      campaign: { from: '2024-01-08', to: '2024-01-14' },
      baseline: { from: '2024-01-01', to: '2024-01-07' },
      active: { event: 'page' },
      retention: { window: { value: 7, unit: 'day' }, returnEvent: { event: 'App Opened' } },
    });
    expect(result.baseline).toMatchObject({ days: 7, activePersons: 10, converters: 2, conversionRate: 0.2, conversions: 2, revenue: 20, revenuePerPerson: 2, retention: { cohort: 10, retained: 3, rate: 0.3, complete: true } });
    expect(result.campaign).toMatchObject({ days: 7, activePersons: 10, converters: 5, conversionRate: 0.5, conversions: 5, revenue: 100, revenuePerPerson: 10, retention: { cohort: 10, retained: 5, rate: 0.5, complete: true } });
    expect(result.baseline.dailyConversions.mean).toBeCloseTo(2 / 7, 12);
    expect(result.campaign.dailyRevenue.mean).toBeCloseTo(100 / 7, 12);
    // 2/10 against 5/10: pooled 0.35, z = 0.3 / sqrt(0.35 * 0.65 * 0.2) = 1.40642, p = 0.15960.
    expect(result.lift.conversionRate.z).toBeCloseTo(1.4064216928154862, 12);
    expect(result.lift.conversionRate.pValue).toBeCloseTo(0.15959894244264883, 10);
    expect(result.lift.conversionRate.difference).toBeCloseTo(0.3, 12);
    // Revenue per person [20 x5, 0 x5] against [10 x2, 0 x8]: Welch t = 2.22834 on 11.81 df, p = 0.04609.
    expect(result.lift.revenuePerPerson.t).toBeCloseTo(2.2283440581246223, 10);
    expect(result.lift.revenuePerPerson.df).toBeCloseTo(11.808112324492981, 8);
    expect(result.lift.revenuePerPerson.pValue).toBeCloseTo(0.046088604452241805, 8);
    expect(result.lift.retention.difference).toBeCloseTo(0.2, 12);
    expect(result.warnings).toEqual(['the campaign period has 10 active persons: rates are very uncertain', 'the baseline period has 10 active persons: rates are very uncertain']);
    // Retention past the end of the data is flagged.
    const late = await runCampaignLift(stores[engine], { campaign: { from: '2024-01-15', to: '2024-01-21' }, baseline: { from: '2024-01-01', to: '2024-01-07' } });
    expect(late.campaign.retention.complete).toBe(false);
    expect(late.warnings[0]).toMatch(/campaign retention window runs past the end of the data/);
  });
});

describe('campaign lift spec', () => {
  it('rejects overlapping or reversed periods', () => {
    expect(() => parseCampaignLiftSpec({ campaign: { from: '2024-01-05', to: '2024-01-10' }, baseline: { from: '2024-01-01', to: '2024-01-05' } })).toThrow('spec.baseline: the baseline period overlaps the campaign period');
    expect(() => parseCampaignLiftSpec({ campaign: { from: '2024-01-05', to: '2024-01-01' }, baseline: { from: '2023-01-01', to: '2023-01-05' } })).toThrow(/spec.campaign.to: "to" \(2024-01-01\) must be after "from"/);
  });
});
