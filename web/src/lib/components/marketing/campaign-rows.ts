/** The campaign-lift result as rows: one per metric, baseline, campaign, lift with its 95% interval and p-value. */
import type { CampaignLiftResult } from '@privacy-analytics/core/analytics';

export interface LiftRow {
  metric: 'active_persons' | 'conversion_rate' | 'revenue_per_person' | 'conversions_per_day' | 'revenue_per_day' | 'retention';
  label: string;
  kind: 'count' | 'rate' | 'money';
  baseline: number;
  campaign: number;
  lift: number | null;
  ci: [number, number] | null;
  relative: number | null;
  pValue: number | null;
}

const finite = (ci: [number, number]) => (Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? ci : null);

export function liftRows(result: CampaignLiftResult): LiftRow[] {
  const { campaign: c, baseline: b, lift } = result;
  return [
    { metric: 'active_persons', label: 'Active persons', kind: 'count', baseline: b.activePersons, campaign: c.activePersons, lift: c.activePersons - b.activePersons, ci: null, relative: b.activePersons ? c.activePersons / b.activePersons - 1 : null, pValue: null },
    { metric: 'conversion_rate', label: 'Conversion rate', kind: 'rate', baseline: b.conversionRate, campaign: c.conversionRate, lift: lift.conversionRate.difference, ci: finite(lift.conversionRate.differenceCi), relative: lift.conversionRate.relativeUplift, pValue: lift.conversionRate.pValue },
    { metric: 'revenue_per_person', label: 'Revenue per active person', kind: 'money', baseline: b.revenuePerPerson, campaign: c.revenuePerPerson, lift: lift.revenuePerPerson.difference, ci: finite(lift.revenuePerPerson.differenceCi), relative: lift.revenuePerPerson.relativeUplift, pValue: lift.revenuePerPerson.pValue },
    { metric: 'conversions_per_day', label: 'Conversions per day', kind: 'money', baseline: b.dailyConversions.mean, campaign: c.dailyConversions.mean, lift: lift.dailyConversions.difference, ci: finite(lift.dailyConversions.differenceCi), relative: lift.dailyConversions.relativeUplift, pValue: lift.dailyConversions.pValue },
    { metric: 'revenue_per_day', label: 'Revenue per day', kind: 'money', baseline: b.dailyRevenue.mean, campaign: c.dailyRevenue.mean, lift: lift.dailyRevenue.difference, ci: finite(lift.dailyRevenue.differenceCi), relative: lift.dailyRevenue.relativeUplift, pValue: lift.dailyRevenue.pValue },
    { metric: 'retention', label: 'Retention', kind: 'rate', baseline: b.retention.rate, campaign: c.retention.rate, lift: lift.retention.difference, ci: finite(lift.retention.differenceCi), relative: lift.retention.relativeUplift, pValue: lift.retention.pValue },
  ];
}
