/** Retention cohorts as a heat-map (cell shading), an average curve and CSV rows. */
import type { RetentionCohort, RetentionSpec } from '@privacy-analytics/core/analytics';
import type { Row } from '@privacy-analytics/core/engine';
import type { ResolvedTheme } from '../../state/theme.svelte.ts';
import type { ChartOption } from '../echarts-setup';
import { chartBase } from '../chart-base';

export interface HeatCell {
  /** 0..100: how much of the accent colour the cell's background mixes in */
  strength: number;
  /** true when the background is dark enough that the text must switch to the on-accent colour */
  inverted: boolean;
}

/**
 * The shading of a share (0..1). The square root spreads the low shares that retention tables are full of; the
 * floor keeps a non-zero share visibly different from zero.
 */
export function heatCell(share: number): HeatCell {
  if (!Number.isFinite(share) || share <= 0) return { strength: 0, inverted: false };
  const clamped = Math.min(share, 1);
  const strength = Math.round(8 + 82 * Math.sqrt(clamped));
  return { strength, inverted: strength >= 55 };
}

/**
 * The average retention per period, weighted by cohort size over the cohorts that have reached that period (the
 * last cohorts have fewer periods); null where no cohort has members.
 */
export function averageRetention(cohorts: readonly RetentionCohort[], periods: number): (number | null)[] {
  return Array.from({ length: periods }, (_, k) => {
    let members = 0;
    let returned = 0;
    for (const cohort of cohorts) {
      if (k >= cohort.values.length || cohort.size === 0) continue;
      members += cohort.size;
      returned += cohort.values[k]!;
    }
    return members === 0 ? null : returned / members;
  });
}

export function periodLabel(period: RetentionSpec['period'], k: number): string {
  return `${period[0]!.toUpperCase()}${period.slice(1)} ${k}`;
}

export function retentionCurveOption(average: readonly (number | null)[], period: RetentionSpec['period'], theme: ResolvedTheme): ChartOption {
  return {
    ...chartBase(theme),
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : '–') },
    grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: average.map((_, k) => periodLabel(period, k)), boundaryGap: false },
    yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
    series: [{ name: 'Average retention', type: 'line', data: average.map((v) => (v === null ? null : v)), connectNulls: false, areaStyle: { opacity: 0.12 } }],
  };
}

/** One row per cohort: start, size, then the count and share of each period. */
export function retentionRows(cohorts: readonly RetentionCohort[], periods: number): Row[] {
  return cohorts.map((cohort) => {
    const row: Row = { cohort: cohort.start, size: cohort.size };
    for (let k = 1; k < periods; k++) {
      row[`period_${k}`] = k < cohort.values.length ? cohort.values[k] : null;
      row[`period_${k}_share`] = k < cohort.values.length ? cohort.percentages[k] : null;
    }
    return row;
  });
}
