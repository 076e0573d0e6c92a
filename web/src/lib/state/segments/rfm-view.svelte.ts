import { runCustomerValue, type CustomerValueResult, type CustomerValueSpecInput } from '@privacy-analytics/core/analytics';
import { runRfm, type Origin, type RfmResult, type RfmSpecInput, type RfmTier, type WithBasis, parseRfmSpec } from '@privacy-analytics/core/analytics';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { AnalysisRun, type Cancellable } from '../analysis-run.svelte.ts';
import type { Dashboard } from '../dashboard.svelte.ts';
import { errorMessage } from '../errors';
import type { DateRange } from '../url-state';
import { freshPersonMap } from '../person-map';
import { buildRfmGrid, type RfmGrid } from './rfm-grid';
import type { SegmentSpecInput } from '@privacy-analytics/core/analytics';

export interface RfmContext {
  engine: QueryEngine & Cancellable;
  range(): DateRange;
  dataVersion(): number;
  /** the dashboard's choice to read rows flagged as invalid (default: no) */
  includeFlagged?(): boolean;
}

export interface RfmReport {
  spec: RfmSpecInput;
  result: WithBasis<RfmResult>;
  grid: RfmGrid;
  /** CLV, repurchase and first-purchase rates and lifecycle stages over the orders of the same origin, in the date range. */
  customers: { spec: CustomerValueSpecInput; result: WithBasis<CustomerValueResult> };
}

export const RFM_CSV_COLUMNS = ['person', 'recency_days', 'frequency', 'monetary', 'r', 'f', 'm', 'tier'] as const;

/**
 * The RFM view's state: the spec form, the last run and its grid. RFM counts every order up to the as-of day
 * (default: the end of the date range), as the segments' `rfm_tier` tag does, so a tier opened as a segment has
 * the same persons.
 */
export class RfmViewState {
  orderEvent = $state('Order Completed');
  revenueProperty = $state('revenue');
  /** YYYY-MM-DD, or '' for the end of the date range */
  asOf = $state('');
  /** orders of every origin, online only or offline (imported) only */
  origin = $state<Origin>('all');
  topN = $state(50);
  readonly run: AnalysisRun<RfmReport>;
  #formError = $state<string | null>(null);
  #autoRanFor: number | null = null;
  #context: RfmContext;

  constructor(context: RfmContext) {
    this.#context = context;
    this.run = new AnalysisRun<RfmReport>(context.engine);
  }

  get formError(): string | null {
    return this.#formError;
  }

  spec(range: DateRange = this.#context.range()): RfmSpecInput {
    const order = this.orderEvent.trim();
    const revenue = this.revenueProperty.trim();
    if (!order) throw new Error('choose the order event');
    if (!revenue) throw new Error('choose the revenue property');
    const spec: RfmSpecInput = { order: { event: order }, revenueProperty: revenue, asOf: this.asOf || range.to };
    if (this.#context.includeFlagged?.()) spec.includeFlagged = true;
    if (this.origin !== 'all') spec.origin = this.origin;
    parseRfmSpec(spec);
    return spec;
  }

  /** The customer-value spec of an RFM spec: the same orders, origin and as-of day, over the date range. */
  customerValueSpec(spec: RfmSpecInput, range: DateRange = this.#context.range()): CustomerValueSpecInput {
    const asOf = spec.asOf ?? range.to;
    // The window ends at the as-of day when that comes first.
    const to = asOf < range.to ? asOf : range.to;
    const from = range.from <= to ? range.from : to;
    const customers: CustomerValueSpecInput = { order: spec.order, revenueProperty: spec.revenueProperty, asOf, from, to };
    if (spec.includeFlagged) customers.includeFlagged = true;
    if (spec.origin) customers.origin = spec.origin;
    return customers;
  }

  async execute(): Promise<void> {
    let spec: RfmSpecInput;
    try {
      spec = this.spec();
      this.#formError = null;
    } catch (error) {
      this.#formError = errorMessage(error);
      return;
    }
    const engine = this.#context.engine;
    const version = this.#context.dataVersion();
    await this.run.run(async () => {
      await freshPersonMap(engine, version);
      const result = await runRfm(engine, spec);
      const customerSpec = this.customerValueSpec(spec);
      const customers = { spec: customerSpec, result: await runCustomerValue(engine, customerSpec) };
      return { spec, result, grid: buildRfmGrid(result.persons), customers };
    });
  }

  /** Runs with the current form once per loaded table (the view calls it on arrival); later runs are the user's. */
  async runOncePerData(): Promise<void> {
    const version = this.#context.dataVersion();
    if (this.#autoRanFor === version) return;
    this.#autoRanFor = version;
    await this.execute();
  }

  cancel(): Promise<void> {
    return this.run.cancel();
  }

  /** Every scored person as CSV rows (the view downloads them). */
  csvRows(): Record<(typeof RFM_CSV_COLUMNS)[number], string | number>[] {
    return (this.run.result?.result.persons ?? []).map((p) => ({
      person: p.person,
      recency_days: p.recencyDays,
      frequency: p.frequency,
      monetary: p.monetary,
      r: p.r,
      f: p.f,
      m: p.m,
      tier: p.tier,
    }));
  }

  /** The segment spec of one tier, with the order settings and as-of day of the last run. */
  tierSegment(tier: RfmTier): SegmentSpecInput {
    const spec = this.run.result?.spec ?? this.spec();
    return {
      condition: { type: 'tag', tag: 'rfm_tier', op: 'eq', value: tier },
      orderEvent: spec.order ?? { event: 'Order Completed' },
      revenueProperty: spec.revenueProperty ?? 'revenue',
      ...(this.asOf ? { asOf: this.asOf } : {}),
    };
  }
}

export function rfmViewState(dashboard: Dashboard): RfmViewState {
  return dashboard.viewState(
    'rfm',
    () =>
      new RfmViewState({
        engine: dashboard.engine,
        range: () => dashboard.view.range,
        dataVersion: () => dashboard.load.dataVersion,
        includeFlagged: () => dashboard.includeFlagged,
      }),
  );
}
