import { basketRules, fetchBaskets, parseBasketSpec, type BasketResult, type BasketSpecInput } from '../../analytics/basket';
import { alsoBought, type AlsoBought } from '../../analytics/fp-growth';
import type { DataEngine, DateRange } from '../../engine/data-engine';
import type { SavedReports } from '../../reports/saved-reports';
import { AnalysisRun } from '../analysis-run.svelte';
import { errorMessage } from '../errors';
import { basketFormFromSpec, basketSpec, defaultBasketForm, itemsByBaskets, type BasketForm, type RuleSortKey } from './basket-form';
import { freshPersonMap } from '../person-map';
import { SavedReportList } from '../../reports/saved-report-list.svelte';

export interface BasketRun {
  result: BasketResult;
  /** the mined baskets, kept so "bought A also bought B" answers at once for any item */
  baskets: string[][];
  items: { item: string; baskets: number }[];
}

export class BasketState {
  /** Bound field by field from the view. */
  form = $state<BasketForm>(defaultBasketForm());
  sortBy = $state<RuleSortKey>('lift');
  anchor = $state('');
  readonly run: AnalysisRun<BasketRun>;
  readonly saved: SavedReportList;
  #formError = $state<string | null>(null);
  #engine: DataEngine;

  constructor(engine: DataEngine, saved: SavedReports) {
    this.#engine = engine;
    this.run = new AnalysisRun(engine);
    this.saved = new SavedReportList(saved, 'basket');
  }

  get formError(): string | null {
    return this.#formError;
  }

  /** "Bought the anchor, also bought": from the kept baskets, no query. */
  get alsoBought(): { baskets: number; items: AlsoBought[] } | null {
    const run = this.run.result;
    if (!run || !this.anchor) return null;
    return alsoBought(run.baskets, this.anchor);
  }

  spec(range: DateRange): BasketSpecInput | null {
    try {
      const spec = basketSpec(this.form, range);
      this.#formError = null;
      return spec;
    } catch (error) {
      this.#formError = errorMessage(error);
      return null;
    }
  }

  async start(range: DateRange, dataVersion: number): Promise<void> {
    const input = this.spec(range);
    if (!input) return;
    await this.run.run(async () => {
      const spec = parseBasketSpec(input);
      if (spec.basket === 'person') await freshPersonMap(this.#engine, dataVersion);
      const baskets = await fetchBaskets(this.#engine, spec);
      const result = basketRules(baskets, spec);
      const items = itemsByBaskets(baskets);
      if (!items.some((i) => i.item === this.anchor)) this.anchor = result.rules[0]?.antecedent[0] ?? items[0]?.item ?? '';
      return { result, baskets, items };
    });
  }

  async saveReport(name: string, range: DateRange): Promise<boolean> {
    const spec = this.spec(range);
    if (!spec) return false;
    const { from: _from, to: _to, ...rest } = spec;
    return this.saved.save(name, rest);
  }

  open(spec: unknown): void {
    this.form = basketFormFromSpec(spec as BasketSpecInput);
    this.#formError = null;
  }
}
