import type { ResolvedTheme } from '../../state/theme.svelte.ts';
import type { ChartOption } from '../echarts-setup';

/** The segment's size at the end of each period, as a line. */
export function sizeOverTimeOption(points: readonly { at: string; size: number }[], theme: ResolvedTheme): ChartOption {
  const text = theme === 'dark' ? '#d7dbe3' : '#2a2f3a';
  return {
    backgroundColor: 'transparent',
    color: ['#3b6fd8'],
    textStyle: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', color: text },
    animationDuration: 300,
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 16, top: 16, bottom: 28 },
    xAxis: { type: 'category', data: points.map((p) => p.at.slice(0, 10)), boundaryGap: false },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: 'Members', type: 'line', areaStyle: { opacity: 0.12 }, showSymbol: points.length < 40, data: points.map((p) => p.size) }],
  };
}
