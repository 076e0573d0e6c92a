import { describe, expect, it } from 'vitest';
import { barOption, shortNumber, timeSeriesOption } from './chart-options';

const rows = ['CN', 'US', 'GB', 'JP', 'IN', 'DE', 'BR', 'FR', 'AU', 'CA', null].map((value, i) => ({ value, visitors: 600 - i * 50, count: 1000 - i }));

describe('barOption', () => {
  // Countries bars did not line up with their labels (overview-light.png): the labels of a crowded axis were
  // thinned out automatically and the rows were reversed by hand.
  it('draws the Countries bars beside their own labels, first row on top, every label shown', () => {
    const option = barOption(rows, 'light') as { yAxis: { data: string[]; inverse: boolean; axisLabel: { interval: number } }; series: { data: { value: number; name: string }[] }[] };
    expect(option.yAxis.inverse).toBe(true);
    expect(option.yAxis.axisLabel.interval).toBe(0);
    expect(option.yAxis.data).toEqual(['CN', 'US', 'GB', 'JP', 'IN', 'DE', 'BR', 'FR', 'AU', 'CA', '(none)']);
    expect(option.series[0]!.data.map((d) => d.name)).toEqual(option.yAxis.data);
    expect(option.series[0]!.data.map((d) => d.value)).toEqual(rows.map((r) => r.visitors));
  });
});

describe('timeSeriesOption', () => {
  const names = (option: unknown) => (option as { series: { name: string }[] }).series.map((s) => s.name);

  it('draws events, page views and visitors from the query, and only events from a file index', () => {
    const queried = [{ bucket: '2026-03-02T00:00:00Z', events: 9, pageViews: 6, visitors: 2 }];
    expect(names(timeSeriesOption(queried, 'day', 'light'))).toEqual(['Events', 'Page views', 'Visitors']);
    expect(names(timeSeriesOption([{ bucket: '2026-03-02T00:00:00Z', events: 9 }], 'day', 'light'))).toEqual(['Events']);
  });
});

describe('shortNumber', () => {
  it('keeps bar axis labels short', () => {
    expect([0, 950, 1000, 1500, 25_000, 2_500_000].map(shortNumber)).toEqual(['0', '950', '1K', '1.5K', '25K', '2.5M']);
  });
});
