/**
 * Simple baselines a model has to beat, as calibrated probabilities: each person falls into a group
 * by a rule (recency bucket, RFM tier) and gets the label rate of that group in the training rows
 * (smoothed towards the overall rate, so small groups do not get 0 or 1).
 */
import { DAY_MS, RFM_TIERS } from '@privacy-analytics/core/analytics';
import type { PersonFeatureRow } from '../../features/person-features';

export interface GroupRule {
  name: string;
  description: string;
  group: (row: PersonFeatureRow) => string;
}

const RECENCY_BUCKETS = [1, 3, 7, 14, 30, 60] as const;

export const RECENCY_RULE: GroupRule = {
  name: 'recency_rule',
  description: `days since the last event, bucketed at ${RECENCY_BUCKETS.join(' / ')} days`,
  group: (row) => {
    const days = (row.cutoffMs - row.lastSeenMs) / DAY_MS;
    const bucket = RECENCY_BUCKETS.find((b) => days < b);
    return bucket === undefined ? `>=${RECENCY_BUCKETS[RECENCY_BUCKETS.length - 1]}d` : `<${bucket}d`;
  },
};

export const RFM_TIER_RULE: GroupRule = {
  name: 'rfm_tier',
  description: 'RFM tier (champions, loyal, new, potential, at_risk, hibernating, lost), persons without orders as their own group',
  group: (row) => {
    if (row.orderCount === 0 || row.rfmR === null || row.rfmF === null || row.rfmM === null) return 'no_orders';
    const { rfmR: r, rfmF: f, rfmM: m } = row;
    return RFM_TIERS.find((t) => t.when(r, f, m, row.orderCount))?.tier ?? 'lost';
  },
};

export const BASELINE_RULES = [RECENCY_RULE, RFM_TIER_RULE] as const;

export interface GroupRates {
  rule: string;
  overallRate: number;
  groups: { group: string; rows: number; rate: number }[];
}

export function fitGroupRates(rule: GroupRule, rows: readonly PersonFeatureRow[], labels: ArrayLike<number>, smoothing = 5): GroupRates {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  const overallRate = rows.length ? positives / rows.length : 0;
  const counts = new Map<string, { rows: number; positives: number }>();
  rows.forEach((row, i) => {
    const key = rule.group(row);
    const c = counts.get(key) ?? { rows: 0, positives: 0 };
    c.rows += 1;
    c.positives += labels[i]!;
    counts.set(key, c);
  });
  const groups = [...counts]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([group, c]) => ({ group, rows: c.rows, rate: (c.positives + smoothing * overallRate) / (c.rows + smoothing) }));
  return { rule: rule.name, overallRate, groups };
}

export function applyGroupRates(rule: GroupRule, rates: GroupRates, rows: readonly PersonFeatureRow[]): Float64Array {
  const byGroup = new Map(rates.groups.map((g) => [g.group, g.rate]));
  return Float64Array.from(rows, (row) => byGroup.get(rule.group(row)) ?? rates.overallRate);
}
