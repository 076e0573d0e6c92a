import { describe, expect, it } from 'vitest';
import type { AttributionResult } from '@privacy-analytics/core/analytics';
import { attributionChartOption, attributionRows, markovRows, roiBelowOne } from './attribution-result';

const result: AttributionResult = {
  models: ['first', 'markov'],
  channels: [
    { channel: 'email', touchpoints: 3, conversions: { first: 1, markov: 0.5 }, revenue: { first: 100, markov: 37.5 }, spend: 50, cpa: { first: 50, markov: 100 }, roas: { first: 2, markov: 0.75 }, roi: { first: 2, markov: 0.75 }, roiBelowOne: ['markov'] },
    { channel: 'social', touchpoints: 2, conversions: { first: 1, markov: 1.5 }, revenue: { first: 50, markov: 112.5 }, spend: 0, cpa: { first: 0, markov: 0 }, roas: { first: null, markov: null }, roi: { first: null, markov: null }, roiBelowOne: [] },
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
      channel: 'email', touchpoints: 3, conversions_first: 1, conversions_markov: 0.5, revenue_first: 100, revenue_markov: 37.5,
      spend: 50, cpa_first: 50, roas_first: 2, roi_first: 2, cpa_markov: 100, roas_markov: 0.75, roi_markov: 0.75,
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
});
