import { basketBasis, basketRules, fetchBaskets, parseBasketSpec, type BasketResult, type BasketSpecInput, type WithBasis } from '@privacy-analytics/core/analytics';
import { alsoBought, type AlsoBought } from '@privacy-analytics/core/analytics';
import type { DataEngine, DateRange } from '../../engine/data-engine';
import type { SavedReports } from '../../reports/saved-reports';
import { basketFormFromSpec, basketSpec, defaultBasketForm, itemsByBaskets, type BasketForm, type RuleSortKey } from './basket-form';
import { freshPersonMap } from '../person-map';
import { FormAnalysisState, withoutRange } from './form-analysis-state.svelte.ts';

export interface BasketRun {
  result: WithBasis<BasketResult>;
  /** the mined baskets, kept so "bought A also bought B" answers at once for any item */
  baskets: string[][];
  items: { item: string; baskets: number }[];
}

export class BasketState extends FormAnalysisState<BasketForm, BasketSpecInput, BasketRun> {
  sortBy = $state<RuleSortKey>('lift');
  anchor = $state('');

  constructor(engine: DataEngine, saved: SavedReports) {
    super(engine, saved, 'basket', defaultBasketForm());
  }

  /** "Bought the anchor, also bought": from the kept baskets, no query. */
  get alsoBought(): { baskets: number; items: AlsoBought[] } | null {
    const run = this.run.result;
    if (!run || !this.anchor) return null;
    return alsoBought(run.baskets, this.anchor);
  }

  spec(range: DateRange): BasketSpecInput | null {
    return this.specOf(() => basketSpec(this.form, range));
  }

  /** Runs over `range`, reading rows flagged as invalid when `includeFlagged` (the dashboard's choice). */
  async start(range: DateRange, dataVersion: number, includeFlagged = false): Promise<void> {
    const input = this.spec(range);
    if (!input) return;
    await this.run.run(async () => {
      const spec = parseBasketSpec(includeFlagged ? { ...input, includeFlagged } : input);
      // The basis counts persons, with merged identity through the identity map even for baskets by order_id.
      await freshPersonMap(this.engine, dataVersion);
      const baskets = await fetchBaskets(this.engine, spec);
      const result = { ...basketRules(baskets, spec), basis: await basketBasis(this.engine, spec) };
      const items = itemsByBaskets(baskets);
      if (!items.some((i) => i.item === this.anchor)) this.anchor = result.rules[0]?.antecedent[0] ?? items[0]?.item ?? '';
      return { result, baskets, items };
    });
  }

  saveReport(name: string, range: DateRange): Promise<boolean> {
    return this.saveSpec(name, withoutRange(this.spec(range)));
  }

  open(spec: unknown): void {
    this.replaceForm(basketFormFromSpec(spec as BasketSpecInput));
  }
}
