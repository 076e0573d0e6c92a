import type { ResolvedTheme } from '../../state/theme.svelte.ts';
import type { ChartOption } from '../echarts-setup';
import { chartBase, PALETTE } from '../chart-base';

/** The segment's size at the end of each period, as a line. */
export function sizeOverTimeOption(points: readonly { at: string; size: number }[], theme: ResolvedTheme): ChartOption {
  return {
    ...chartBase(theme),
    color: [PALETTE[0]!],
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 16, top: 16, bottom: 28 },
    xAxis: { type: 'category', data: points.map((p) => p.at.slice(0, 10)), boundaryGap: false },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: 'Members', type: 'line', areaStyle: { opacity: 0.12 }, showSymbol: points.length < 40, data: points.map((p) => p.size) }],
  };
}
