import { describe, expect, it } from 'vitest';
import type { AttributionResult } from '@privacy-analytics/core/analytics';
import { attributionChartOption, attributionRows, markovRows, newCustomerQualityRows, roiBelowOne } from './attribution-result';

const result: AttributionResult = {
  models: ['first', 'markov'],
  channels: [
    { channel: 'email', touchpoints: 3, conversions: { first: 1, markov: 0.5 }, revenue: { first: 100, markov: 37.5 }, spend: 50, cpa: { first: 50, markov: 100 }, roas: { first: 2, markov: 0.75 }, roi: { first: 2, markov: 0.75 }, roiBelowOne: ['markov'],
      newCustomers: { first: 1, markov: 0.25 }, costPerNewCustomer: { first: 50, markov: 200 },
      newCustomerQuality: { first: { mature: 1, immature: 0, repeatShare: 1, revenuePerCustomer: 80 }, markov: { mature: 0, immature: 0.25, repeatShare: null, revenuePerCustomer: null } } },
    { channel: 'social', touchpoints: 2, conversions: { first: 1, markov: 1.5 }, revenue: { first: 50, markov: 112.5 }, spend: 0, cpa: { first: 0, markov: 0 }, roas: { first: null, markov: null }, roi: { first: null, markov: null }, roiBelowOne: [],
      newCustomers: { first: 0, markov: 0.75 }, costPerNewCustomer: { first: null, markov: null },
      newCustomerQuality: { first: { mature: 0, immature: 0, repeatShare: null, revenuePerCustomer: null }, markov: { mature: 0.75, immature: 0, repeatShare: 0, revenuePerCustomer: 40 } } },
  ],
  totals: { conversions: 2, revenue: 150, attributedConversions: 2, attributedRevenue: 150, unattributedConversions: 0, unattributedRevenue: 0 },
  paths: { converting: 2, nonConverting: 2, averageConvertingLength: 1.5 },
  markov: { order: 1, states: 2, conversionProbability: 0.5, removalEffects: { email: 1 / 3, social: 1 }, shares: { email: 0.25, social: 0.75 }, transitions: [] },
} as unknown as AttributionResult;

describe('attribution result shaping', () => {
  it('draws one bar series per model over the channels', () => {
    const option = attributionChartOption(result, 'light') as { series: { name: string; data: number[] }[]; xAxis: { data: string[] } };
    expect(option.xAxis.data).toEqual(['email', 'social']);
    expect(option.series.map((s) => [s.name, s.data])).toEqual([
      ['First touch', [1, 1]],
      ['Markov chain', [0.5, 1.5]],
    ]);
  });

  it('flattens channels into CSV rows with spend economics per model', () => {
    expect(attributionRows(result)[0]).toEqual({
      channel: 'email', touchpoints: 3, conversions_first: 1, conversions_markov: 0.5, revenue_first: 100, revenue_markov: 37.5, new_customers_first: 1, new_customers_markov: 0.25,
      spend: 50, cpa_first: 50, roas_first: 2, roi_first: 2, cost_per_new_customer_first: 50, cpa_markov: 100, roas_markov: 0.75, roi_markov: 0.75, cost_per_new_customer_markov: 200,
    });
  });

  it('orders Markov removal effects largest first and flags ROI below 1', () => {
    expect(markovRows(result).map((r) => [r.channel, r.conversions])).toEqual([
      ['social', 1.5],
      ['email', 0.5],
    ]);
    expect(roiBelowOne(result, 'email', 'markov')).toBe(true);
    expect(roiBelowOne(result, 'email', 'first')).toBe(false);
  });

  it('lists the channels credited with new customers under a model, most first', () => {
    expect(newCustomerQualityRows(result, 'first')).toEqual([{ channel: 'email', newCustomers: 1, mature: 1, immature: 0, repeatShare: 1, revenuePerCustomer: 80 }]);
    expect(newCustomerQualityRows(result, 'markov').map((r) => [r.channel, r.newCustomers, r.repeatShare])).toEqual([
      ['social', 0.75, 0],
      ['email', 0.25, null],
    ]);
  });
});
