import type { ResolvedTheme } from '../../state/theme.svelte.ts';
import type { ChartOption } from '../echarts-setup';

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
// The overview's palette (chart-options.ts), so a channel keeps its colour across views.
const PALETTE = ['#3b6fd8', '#e0823d', '#3fa57a', '#c0504d', '#8064a2', '#4bacc6', '#9c8b3c', '#d16ba5', '#6b7a8f', '#5aa02c'];

export function marketingChartBase(theme: ResolvedTheme): ChartOption {
  return {
    backgroundColor: 'transparent',
    color: PALETTE,
    textStyle: { fontFamily: FONT, color: theme === 'dark' ? '#d7dbe3' : '#2a2f3a' },
    animationDuration: 300,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
  };
}
