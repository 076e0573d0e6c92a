import { describe, expect, it } from 'vitest';
import type { FunnelResult, FunnelStepResult } from '@privacy-analytics/core/analytics';
import { funnelBreakdownRows, funnelChartOption, funnelStepRows } from './funnel-chart';

function step(index: number, event: string, count: number, first: number, previous: number): FunnelStepResult {
  return { index, event, count, conversionFromPrevious: count / previous, conversionFromFirst: count / first, avgTimeToConvertSeconds: index ? 60 : null, medianTimeToConvertSeconds: index ? 30 : null };
}

const RESULT: FunnelResult = { steps: [step(0, 'view', 100, 100, 100), step(1, 'cart', 40, 100, 100), step(2, 'buy', 10, 100, 40)] };

describe('funnel chart and rows', () => {
  it('stacks the drop-off since the previous step on top of the converted units', () => {
    const option = funnelChartOption(RESULT, 'light') as { series: { name: string; data: number[] }[]; xAxis: { data: string[] } };
    expect(option.xAxis.data).toEqual(['1. view', '2. cart', '3. buy']);
    expect(option.series.map((s) => [s.name, s.data])).toEqual([
      ['Converted', [100, 40, 10]],
      ['Dropped off', [0, 60, 30]],
    ]);
  });

  it('draws one series per breakdown value', () => {
    const result: FunnelResult = { ...RESULT, breakdown: [{ value: 'DE', steps: RESULT.steps }, { value: null, steps: RESULT.steps }] };
    const option = funnelChartOption(result, 'dark') as { series: { name: string }[] };
    expect(option.series.map((s) => s.name)).toEqual(['DE', '(none)']);
    expect(funnelBreakdownRows(result)[1]).toEqual({ value: null, step_1: 100, step_2: 40, step_3: 10, conversion: 0.1 });
  });

  it('gives the CSV one row per step with the drop-off', () => {
    expect(funnelStepRows(RESULT.steps)[2]).toEqual({
      step: 3,
      event: 'buy',
      count: 10,
      dropped: 30,
      conversion_from_previous: 0.25,
      conversion_from_first: 0.1,
      avg_seconds_to_convert: 60,
      median_seconds_to_convert: 30,
    });
  });
});
