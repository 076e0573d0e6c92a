import { describe, expect, it } from 'vitest';
import type { PersonFeatureRow } from '../../features/person-features';
import { applyGroupRates, fitGroupRates, RECENCY_RULE, RFM_TIER_RULE } from './baselines';

const DAY = 86_400_000;
const row = (recencyDays: number, rfm: [number, number, number] | null, orders = rfm ? 1 : 0): PersonFeatureRow =>
  ({ cutoffMs: 100 * DAY, lastSeenMs: 100 * DAY - recencyDays * DAY, rfmR: rfm?.[0] ?? null, rfmF: rfm?.[1] ?? null, rfmM: rfm?.[2] ?? null, orderCount: orders }) as PersonFeatureRow;

describe('baselines', () => {
  it('recency buckets', () => {
    expect([0.5, 1, 2.9, 6, 13, 29, 59, 61].map((d) => RECENCY_RULE.group(row(d, null)))).toEqual(['<1d', '<3d', '<3d', '<7d', '<14d', '<30d', '<60d', '>=60d']);
  });

  it('RFM tiers by the analytics module rules, non-buyers apart', () => {
    expect(RFM_TIER_RULE.group(row(1, null))).toBe('no_orders');
    expect(RFM_TIER_RULE.group(row(1, [5, 5, 5], 9))).toBe('champions');
    expect(RFM_TIER_RULE.group(row(1, [5, 1, 1], 1))).toBe('new');
    expect(RFM_TIER_RULE.group(row(1, [1, 1, 1], 1))).toBe('lost');
  });

  it('scores each group with its smoothed training label rate, unseen groups with the overall rate', () => {
    const rows = [row(0.5, null), row(0.5, null), row(0.5, null), row(20, null)];
    const rates = fitGroupRates(RECENCY_RULE, rows, [1, 1, 0, 0], 1);
    expect(rates.overallRate).toBe(0.5);
    const scores = applyGroupRates(RECENCY_RULE, rates, [row(0.2, null), row(20, null), row(100, null)]);
    expect(scores[0]).toBeCloseTo((2 + 0.5) / 4, 12);
    expect(scores[1]).toBeCloseTo(0.5 / 2, 12);
    expect(scores[2]).toBe(0.5);
  });
});
