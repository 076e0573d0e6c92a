import type { ChartOption } from '../echarts-setup';
import { textColor } from '../chart-base';
import type { ResolvedTheme } from '../../state/theme.svelte.ts';
import type { HistogramBin } from '@privacy-analytics/models/score';

/** Bars over score bins; the bins above 0.7 (the "at risk" segment) in the accent's warm counterpart. */
export function histogramOption(bins: readonly HistogramBin[], theme: ResolvedTheme, seriesName: string): ChartOption {
  const text = textColor(theme);
  return {
    backgroundColor: 'transparent',
    textStyle: { color: text },
    animationDuration: 300,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 44, right: 12, top: 12, bottom: 28 },
    xAxis: { type: 'category', data: bins.map((b) => b.from.toFixed(2)), name: 'score', nameLocation: 'middle', nameGap: 22 },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        name: `${seriesName}: persons`,
        type: 'bar',
        barCategoryGap: '8%',
        data: bins.map((b) => ({ value: b.count, itemStyle: { color: b.from >= 0.7 ? '#e0823d' : '#3b6fd8' } })),
      },
    ],
  };
}
