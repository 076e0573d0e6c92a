/**
 * The shareable part of the dashboard's state as URL search parameters: view, date range (a relative preset or
 * fixed days), granularity and filters. Only these keys are ever written: no token, no edge URL, no data.
 *
 *   ?view=overview&range=30d&g=day&f=country:in:DE,US&f=page_path:contains:%2Fproducts
 *
 * Filter values are percent-encoded before joining with commas, so commas and colons inside values survive.
 */
import { z } from 'zod';
import type { DateRange } from '@privacy-analytics/core/time';
import { COLUMN_FILTER_OPS, isColumnName, type ColumnFilter, type ColumnFilterOp, type Granularity } from '@privacy-analytics/core/analytics';

export const VIEWS = [
  'overview',
  'funnels',
  'retention',
  'paths',
  'segments',
  'rfm',
  'person',
  'attribution',
  'basket',
  'experiments',
  'campaigns',
  'quality',
  'alerts',
  'models',
  'sql',
  'imports',
  'admin',
  'connect',
] as const;
export type ViewName = (typeof VIEWS)[number];

export const PRESETS = ['7d', '30d', '90d'] as const;
export type RangePreset = (typeof PRESETS)[number];
export const PRESET_DAYS: Record<RangePreset, number> = { '7d': 7, '30d': 30, '90d': 90 };

export type { DateRange };

export interface UrlState {
  view: ViewName;
  /** a preset is relative to today (UTC) and stays so when shared; null: the fixed range below */
  preset: RangePreset | null;
  range: DateRange;
  granularity: Granularity;
  filters: ColumnFilter[];
}

export const MAX_FILTERS = 20;
const MAX_PARAM_LENGTH = 2000;
const MAX_RANGE_DAYS = 3660;

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s));

const filterParam = z
  .string()
  .max(MAX_PARAM_LENGTH)
  .transform((text, ctx): ColumnFilter | typeof z.NEVER => {
    const [column = '', op = '', ...rest] = text.split(':');
    const encodedValues = rest.join(':');
    if (!isColumnName(column) || !COLUMN_FILTER_OPS.includes(op as ColumnFilterOp)) {
      ctx.addIssue({ code: 'custom', message: `bad filter "${text}"` });
      return z.NEVER;
    }
    let values: string[];
    try {
      values = encodedValues === '' ? [] : encodedValues.split(',').map(decodeURIComponent);
    } catch {
      ctx.addIssue({ code: 'custom', message: `bad filter encoding "${text}"` });
      return z.NEVER;
    }
    if (op !== 'empty' && (values.length === 0 || values.some((v) => v.length === 0))) {
      ctx.addIssue({ code: 'custom', message: `filter without value "${text}"` });
      return z.NEVER;
    }
    return { column, op: op as ColumnFilterOp, values: op === 'empty' ? [] : op === 'in' ? values.slice(0, 100) : values.slice(0, 1) };
  });

export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Last N days including today (UTC). */
export function presetRange(preset: RangePreset, today = todayUtc()): DateRange {
  return { from: addDays(today, 1 - PRESET_DAYS[preset]), to: today };
}

export function rangeDays(range: DateRange): number {
  return Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
}

export function defaultUrlState(today = todayUtc()): UrlState {
  return { view: 'overview', preset: '30d', range: presetRange('30d', today), granularity: 'day', filters: [] };
}

/** Reads the state from search parameters; anything invalid falls back to the default for that part. */
export function parseUrlState(search: string | URLSearchParams, today = todayUtc()): UrlState {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const state = defaultUrlState(today);
  const view = z.enum(VIEWS).safeParse(params.get('view'));
  if (view.success) state.view = view.data;
  const granularity = z.enum(['hour', 'day', 'week']).safeParse(params.get('g'));
  if (granularity.success) state.granularity = granularity.data;

  const preset = z.enum(PRESETS).safeParse(params.get('range'));
  const from = isoDate.safeParse(params.get('from'));
  const to = isoDate.safeParse(params.get('to'));
  if (from.success && to.success && from.data <= to.data && rangeDays({ from: from.data, to: to.data }) <= MAX_RANGE_DAYS) {
    state.preset = null;
    state.range = { from: from.data, to: to.data };
  } else if (preset.success) {
    state.preset = preset.data;
    state.range = presetRange(preset.data, today);
  }

  for (const raw of params.getAll('f').slice(0, MAX_FILTERS)) {
    const filter = filterParam.safeParse(raw);
    if (filter.success) state.filters.push(filter.data);
  }
  return state;
}

export function encodeFilter(filter: ColumnFilter): string {
  return `${filter.column}:${filter.op}:${filter.values.map(encodeURIComponent).join(',')}`;
}

export function urlStateToParams(state: UrlState): URLSearchParams {
  const params = new URLSearchParams();
  params.set('view', state.view);
  if (state.preset) params.set('range', state.preset);
  else {
    params.set('from', state.range.from);
    params.set('to', state.range.to);
  }
  params.set('g', state.granularity);
  for (const filter of state.filters) params.append('f', encodeFilter(filter));
  return params;
}
