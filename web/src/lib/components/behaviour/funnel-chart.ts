/** A funnel result as chart options and table rows (the rows are also the CSV export). */
import type { FunnelResult, FunnelStepResult } from '@privacy-analytics/core/analytics';
import type { Row } from '@privacy-analytics/core/engine';
import type { ResolvedTheme } from '../../state/theme.svelte.ts';
import type { ChartOption } from '../echarts-setup';
import { formatPercent } from '../format';
import { chartBase, DROP_OFF_COLOR, textColor } from '../chart-base';

/** Breakdown values drawn as series; the table lists them all. */
export const MAX_BREAKDOWN_SERIES = 8;

export function stepLabel(step: Pick<FunnelStepResult, 'index' | 'event'>): string {
  return `${step.index + 1}. ${step.event}`;
}

export function breakdownLabel(value: string | null): string {
  return value ?? '(none)';
}

/**
 * Vertical bars, one per step: the units that reached it, stacked under a faded bar for those who dropped off since
 * the previous step (so each stack is as tall as the previous step). With a breakdown, one bar per value and step.
 */
export function funnelChartOption(result: FunnelResult, theme: ResolvedTheme): ChartOption {
  const labels = result.steps.map(stepLabel);
  const base = chartBase(theme);
  const axes = {
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, width: 150, overflow: 'break' } },
    yAxis: { type: 'value', minInterval: 1 },
    legend: { top: 0, textStyle: { color: textColor(theme) } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
  };
  if (result.breakdown?.length) {
    return {
      ...base,
      ...axes,
      series: result.breakdown.slice(0, MAX_BREAKDOWN_SERIES).map((group) => ({
        name: breakdownLabel(group.value),
        type: 'bar',
        barMaxWidth: 28,
        data: group.steps.map((s) => s.count),
      })),
    };
  }
  return {
    ...base,
    ...axes,
    series: [
      {
        name: 'Converted',
        type: 'bar',
        stack: 'funnel',
        barMaxWidth: 64,
        data: result.steps.map((s) => s.count),
        label: { show: true, position: 'insideTop', formatter: (p: { dataIndex: number }) => formatPercent(result.steps[p.dataIndex]?.conversionFromFirst ?? null) },
      },
      {
        name: 'Dropped off',
        type: 'bar',
        stack: 'funnel',
        barMaxWidth: 64,
        itemStyle: { color: DROP_OFF_COLOR, opacity: 0.35 },
        data: result.steps.map((s, k) => (k === 0 ? 0 : result.steps[k - 1]!.count - s.count)),
      },
    ],
  };
}

/** One row per step: counts, both conversions (0..1) and times in seconds. */
export function funnelStepRows(steps: readonly FunnelStepResult[]): Row[] {
  return steps.map((s, k) => ({
    step: s.index + 1,
    event: s.event,
    count: s.count,
    dropped: k === 0 ? 0 : steps[k - 1]!.count - s.count,
    conversion_from_previous: s.conversionFromPrevious,
    conversion_from_first: s.conversionFromFirst,
    avg_seconds_to_convert: s.avgTimeToConvertSeconds,
    median_seconds_to_convert: s.medianTimeToConvertSeconds,
  }));
}

/** One row per breakdown value: the count at each step and the overall conversion. */
export function funnelBreakdownRows(result: FunnelResult): Row[] {
  return (result.breakdown ?? []).map((group) => {
    const row: Row = { value: group.value };
    for (const s of group.steps) row[`step_${s.index + 1}`] = s.count;
    row.conversion = group.steps[group.steps.length - 1]?.conversionFromFirst ?? 0;
    return row;
  });
}
