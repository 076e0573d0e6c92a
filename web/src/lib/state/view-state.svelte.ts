import type { ColumnFilter, Granularity } from '@privacy-analytics/core/analytics';
import {
  MAX_FILTERS,
  parseUrlState,
  presetRange,
  todayUtc,
  urlStateToParams,
  type DateRange,
  type RangePreset,
  type UrlState,
  type ViewName,
} from './url-state';

/** View, date range, granularity and filters: the state a shared link carries (see url-state.ts). */
export class ViewState {
  #view = $state<ViewName>('overview');
  #preset = $state<RangePreset | null>('30d');
  #range = $state<DateRange>(presetRange('30d'));
  #granularity = $state<Granularity>('day');
  #filters = $state<ColumnFilter[]>([]);

  constructor(initial: UrlState = parseUrlState('')) {
    this.replace(initial);
  }

  get view(): ViewName {
    return this.#view;
  }
  get preset(): RangePreset | null {
    return this.#preset;
  }
  get range(): DateRange {
    return this.#range;
  }
  get granularity(): Granularity {
    return this.#granularity;
  }
  get filters(): readonly ColumnFilter[] {
    return this.#filters;
  }
  get snapshot(): UrlState {
    return { view: this.#view, preset: this.#preset, range: { ...this.#range }, granularity: this.#granularity, filters: this.#filters.map((f) => ({ ...f, values: [...f.values] })) };
  }

  replace(state: UrlState): void {
    this.#view = state.view;
    this.#preset = state.preset;
    this.#range = state.range;
    this.#granularity = state.granularity;
    this.#filters = state.filters;
  }

  show(view: ViewName): void {
    this.#view = view;
  }

  setPreset(preset: RangePreset, today = todayUtc()): void {
    this.#preset = preset;
    this.#range = presetRange(preset, today);
  }

  setRange(range: DateRange): void {
    if (range.from > range.to) throw new Error(`date range: from (${range.from}) is after to (${range.to})`);
    this.#preset = null;
    this.#range = { ...range };
  }

  setGranularity(granularity: Granularity): void {
    this.#granularity = granularity;
  }

  addFilter(filter: ColumnFilter): void {
    if (this.#filters.length >= MAX_FILTERS) throw new Error(`at most ${MAX_FILTERS} filters`);
    const same = (f: ColumnFilter) => f.column === filter.column && f.op === filter.op && f.values.join('\u0000') === filter.values.join('\u0000');
    if (this.#filters.some(same)) return;
    this.#filters = [...this.#filters, filter];
  }

  removeFilter(index: number): void {
    this.#filters = this.#filters.filter((_, i) => i !== index);
  }

  clearFilters(): void {
    this.#filters = [];
  }

  toSearch(): string {
    return `?${urlStateToParams(this.snapshot).toString()}`;
  }
}
