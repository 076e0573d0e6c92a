import type { ChartSeries } from './series-chart';
import { formatCompact } from './format';
import type { BreakdownRow, EventCountPoint, Granularity, TimePoint } from '@privacy-analytics/core/analytics';
import type { ChartOption } from './echarts-setup';
import { chartBase, textColor } from './chart-base';
import type { ResolvedTheme } from '../state/theme.svelte.ts';

function base(theme: ResolvedTheme): ChartOption {
  return { ...chartBase(theme), tooltip: { trigger: 'axis' } };
}

function bucketLabel(bucket: string, granularity: Granularity): string {
  return granularity === 'hour' ? `${bucket.slice(5, 10)} ${bucket.slice(11, 16)}` : bucket.slice(0, 10);
}

/** A point of the chart over time: events always; page views and visitors once the events themselves are queried. */
export type SeriesPoint = EventCountPoint & Partial<Pick<TimePoint, 'pageViews' | 'visitors'>>;

/** The chart over time as SeriesChart draws it: bucket labels, and events (plus page views and visitors once queried). */
export function timeSeriesLines(points: readonly SeriesPoint[], granularity: Granularity): { categories: string[]; series: ChartSeries[] } {
  const detailed = points.length > 0 && points.every((p) => p.pageViews !== undefined && p.visitors !== undefined);
  return {
    categories: points.map((p) => bucketLabel(p.bucket, granularity)),
    series: [
      { name: 'Events', values: points.map((p) => p.events) },
      ...(detailed ? [{ name: 'Page views', values: points.map((p) => p.pageViews ?? 0) }, { name: 'Visitors', values: points.map((p) => p.visitors ?? 0) }] : []),
    ],
  };
}

export function timeSeriesOption(points: readonly SeriesPoint[], granularity: Granularity, theme: ResolvedTheme): ChartOption {
  const line = (name: string, data: (number | undefined)[]) => ({ name, type: 'line', showSymbol: points.length < 60, data });
  const detailed = points.every((p) => p.pageViews !== undefined && p.visitors !== undefined);
  return {
    ...base(theme),
    legend: { top: 0, textStyle: { color: textColor(theme) } },
    grid: { left: 48, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: points.map((p) => bucketLabel(p.bucket, granularity)), boundaryGap: false },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      line('Events', points.map((p) => p.events)),
      ...(detailed ? [line('Page views', points.map((p) => p.pageViews)), line('Visitors', points.map((p) => p.visitors))] : []),
    ],
  };
}

/** An axis number in a few characters: 950, 1.5K, 25K, 2.5M. */
export function shortNumber(value: number): string {
  return Math.abs(value) >= 1000 ? formatCompact(value) : String(value);
}

export function valueLabel(value: string | null): string {
  return value ?? '(none)';
}

/**
 * Horizontal bars in the table's order, first row on top. The category axis runs top-down (`inverse`) instead of
 * reversing the rows, and shows every label (`interval: 0`): with ECharts' automatic interval it drops labels
 * that would crowd, and the remaining ones then sit beside bars that are not theirs.
 */
export function barOption(rows: readonly BreakdownRow[], theme: ResolvedTheme, seriesName = 'Visitors'): ChartOption {
  return {
    ...base(theme),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    // short labels, and none that would overlap: at 3,000 visitors in a third of the page "0 500 1,000 … 3,000" ran
    // into each other
    xAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: shortNumber, hideOverlap: true } },
    yAxis: {
      type: 'category',
      inverse: true,
      data: rows.map((r) => valueLabel(r.value)),
      axisTick: { alignWithLabel: true },
      axisLabel: { interval: 0, width: 120, overflow: 'truncate' },
    },
    series: [{ name: seriesName, type: 'bar', data: rows.map((r) => ({ value: r.visitors, name: valueLabel(r.value) })), barMaxWidth: 18 }],
  };
}

export function pieOption(rows: readonly BreakdownRow[], theme: ResolvedTheme, seriesName = 'Visitors'): ChartOption {
  return {
    ...base(theme),
    tooltip: { trigger: 'item' },
    // One scrolling line: with many values a wrapped legend grew over the ring (ten browsers did).
    legend: { type: 'scroll', bottom: 0, textStyle: { color: textColor(theme) } },
    series: [
      {
        name: seriesName,
        type: 'pie',
        radius: ['45%', '70%'],
        center: ['50%', '45%'],
        label: { show: false },
        data: rows.map((r) => ({ name: valueLabel(r.value), value: r.visitors })),
      },
    ],
  };
}

export function liveOption(points: readonly { minute: string; accepted: number }[], theme: ResolvedTheme): ChartOption {
  return {
    ...base(theme),
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 40, right: 8, top: 8, bottom: 24 },
    xAxis: { type: 'category', data: points.map((p) => p.minute.slice(11, 16)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: 'Events per minute', type: 'bar', data: points.map((p) => p.accepted) }],
  };
}
