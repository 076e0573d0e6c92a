import { parseSegmentSpec, scoredModels, segmentMembersCsv, type EventName, type SegmentSpecInput } from '@privacy-analytics/core/analytics';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import type { SavedItem, SavedReports } from '../../reports/saved-reports';
import { AnalysisRun, type Cancellable } from '../analysis-run.svelte.ts';
import type { Dashboard } from '../dashboard.svelte.ts';
import { errorMessage } from '../errors';
import type { DateRange } from '../url-state';
import {
  addChild,
  conditionToDraft,
  draftToCondition,
  emptyTree,
  findNode,
  newGroup,
  newLeaf,
  removeNode,
  replaceNode,
  setCombinator,
  starterTree,
  toggleNegate,
  type Combinator,
  type GroupDraft,
  type LeafKind,
} from './condition-draft';
import { purchaseEvent } from '../behaviour/starter-events';
import { freshPersonMap } from '../person-map';
import { segmentReport, type SegmentReport } from './segment-report';
import { DAY_MS } from '@privacy-analytics/core/time';

export type SizePeriod = 'day' | 'week' | 'month';


/** What the segment view needs from the dashboard (a narrow slice, so tests can pass fakes). */
export interface SegmentsContext {
  engine: QueryEngine & Cancellable;
  saved: Pick<SavedReports, 'list' | 'save' | 'remove'>;
  range(): DateRange;
  dataVersion(): number;
  /** the dashboard's choice to read rows flagged as invalid (default: no) */
  includeFlagged?(): boolean;
}

export const SAVED_VIEW = 'segments';

/** The builder's settings besides the condition (all spec options). */
export interface SegmentOptions {
  orderEvent: string;
  revenueProperty: string;
  newDays: number;
  activeDays: number;
  churnDays: number;
  /** YYYY-MM-DD, or '' for the end of the date range */
  asOf: string;
  period: SizePeriod;
  points: number;
}

export function defaultOptions(): SegmentOptions {
  return { orderEvent: 'Order Completed', revenueProperty: 'revenue', newDays: 7, activeDays: 30, churnDays: 90, asOf: '', period: 'week', points: 8 };
}

/**
 * The Segments view's state, kept across navigation (dashboard.viewState): the condition tree being edited, the
 * spec options, the last run, the saved segments.
 */
export class SegmentViewState {
  tree = $state<GroupDraft>(emptyTree());
  options = $state<SegmentOptions>(defaultOptions());
  /** the name the segment is saved under (filled when a saved one is opened) */
  name = $state('');
  withTags = $state(false);
  readonly run: AnalysisRun<SegmentReport>;
  #formError = $state<string | null>(null);
  #saved = $state.raw<SavedItem[]>([]);
  #savedError = $state<string | null>(null);
  #savedMessage = $state<string | null>(null);
  #exporting = $state(false);
  #exportError = $state<string | null>(null);
  #models = $state.raw<string[]>([]);
  /**
   * The tree as the view itself last filled it (empty, then a starter), as JSON; null once it holds anything else
   * (the user's edits, an opened segment), which a starter must never replace.
   */
  #ownTree = $state.raw<{ json: string; starter: boolean } | null>(null);
  #context: SegmentsContext;

  constructor(context: SegmentsContext) {
    this.#context = context;
    this.run = new AnalysisRun<SegmentReport>(context.engine);
    this.#ownTree = { json: JSON.stringify(this.tree), starter: false };
  }

  /** True while the builder holds the starter drawn from the data, untouched. */
  get showsStarter(): boolean {
    return this.#ownTree !== null && this.#ownTree.starter && this.#ownTree.json === JSON.stringify(this.tree);
  }

  /**
   * Fills the builder with persons who did the data's purchase event (the order event when the data has it) in the
   * date range, unless it holds anything the view did not put there. Called whenever the catalog or the range
   * changes and before a run.
   */
  offerStarter(events: readonly EventName[]): void {
    if (this.#ownTree === null) return;
    const current = JSON.stringify($state.snapshot(this.tree));
    if (current !== this.#ownTree.json) {
      this.#ownTree = null;
      return;
    }
    const event = purchaseEvent(events, this.options.orderEvent.trim());
    if (event === null) return;
    const range = this.#context.range();
    const rangeDays = (Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`)) / DAY_MS + 1;
    const starter = starterTree(event, rangeDays);
    const [shown] = this.tree.children;
    const [wanted] = starter.children;
    const same = shown?.kind === 'behaviour' && wanted?.kind === 'behaviour' && shown.event === wanted.event && shown.withinDays === wanted.withinDays;
    if (this.#ownTree.starter && this.tree.children.length === 1 && same) return;
    this.tree = starter;
    this.#ownTree = { json: JSON.stringify(this.tree), starter: true };
  }

  get formError(): string | null {
    return this.#formError;
  }
  get saved(): readonly SavedItem[] {
    return this.#saved;
  }
  get savedError(): string | null {
    return this.#savedError;
  }
  get savedMessage(): string | null {
    return this.#savedMessage;
  }
  get exporting(): boolean {
    return this.#exporting;
  }
  get exportError(): string | null {
    return this.#exportError;
  }
  /** models with scores in person_scores (for the score condition's picker) */
  get models(): readonly string[] {
    return this.#models;
  }

  // -- tree edits ---------------------------------------------------------------------------------

  addCondition(groupId: number, kind: LeafKind = 'behaviour'): void {
    this.tree = addChild(this.tree, groupId, newLeaf(kind));
  }
  addGroup(groupId: number, combinator: Combinator = 'or'): void {
    this.tree = addChild(this.tree, groupId, newGroup(combinator, [newLeaf('tag')]));
  }
  remove(nodeId: number): void {
    this.tree = removeNode(this.tree, nodeId);
  }
  toggleNot(nodeId: number): void {
    this.tree = toggleNegate(this.tree, nodeId);
  }
  setCombinator(groupId: number, combinator: Combinator): void {
    this.tree = setCombinator(this.tree, groupId, combinator);
  }
  /** A row switched to another kind starts blank but stays negated when it was. */
  changeKind(nodeId: number, kind: LeafKind): void {
    const negate = findNode(this.tree, nodeId)?.negate ?? false;
    this.tree = replaceNode(this.tree, nodeId, { ...newLeaf(kind), negate });
  }
  /** Empties the builder for good: no starter fills it again. */
  reset(): void {
    this.tree = emptyTree();
    this.#ownTree = null;
    this.options = defaultOptions();
    this.name = '';
    this.#formError = null;
    this.run.clear();
  }

  // -- spec -------------------------------------------------------------------------------------

  /** The spec to save: everything but the date range, which is the dashboard's when it runs. */
  savedSpec(): SegmentSpecInput {
    const o = this.options;
    const order = o.orderEvent.trim();
    const revenue = o.revenueProperty.trim();
    if (!order) throw new Error('choose the order event (for order count, revenue and RFM tags)');
    if (!revenue) throw new Error('choose the revenue property');
    const spec: SegmentSpecInput = {
      condition: draftToCondition(this.tree),
      orderEvent: { event: order },
      revenueProperty: revenue,
      lifecycle: { newDays: o.newDays, activeDays: o.activeDays, churnDays: o.churnDays },
      sizeOverTime: { period: o.period, points: o.points },
    };
    if (o.asOf) spec.asOf = o.asOf;
    parseSegmentSpec(spec);
    return spec;
  }

  /**
   * The spec that runs: the saved spec within the date range, as of the end of the range unless asOf is set, with
   * the dashboard's choice on flagged rows.
   */
  runSpec(range: DateRange = this.#context.range()): SegmentSpecInput {
    const spec = { ...this.savedSpec(), from: range.from, to: range.to };
    if (spec.asOf === undefined) spec.asOf = range.to;
    if (this.#context.includeFlagged?.()) spec.includeFlagged = true;
    parseSegmentSpec(spec);
    return spec;
  }

  #specOrError(): SegmentSpecInput | null {
    try {
      const spec = this.runSpec();
      this.#formError = null;
      return spec;
    } catch (error) {
      this.#formError = errorMessage(error);
      return null;
    }
  }

  // -- running ----------------------------------------------------------------------------------

  async execute(): Promise<void> {
    const spec = this.#specOrError();
    if (!spec) return;
    const engine = this.#context.engine;
    const version = this.#context.dataVersion();
    await this.run.run(async () => {
      await freshPersonMap(engine, version);
      return segmentReport(engine, spec);
    });
  }

  cancel(): Promise<void> {
    return this.run.cancel();
  }

  async refreshModels(): Promise<void> {
    try {
      this.#models = await scoredModels(this.#context.engine);
    } catch {
      this.#models = [];
    }
  }

  /** All members as CSV text (ids, and tags when `withTags`), for the download. */
  async membersCsv(): Promise<string | null> {
    const spec = this.#specOrError();
    if (!spec) return null;
    this.#exporting = true;
    this.#exportError = null;
    try {
      await freshPersonMap(this.#context.engine, this.#context.dataVersion());
      return await segmentMembersCsv(this.#context.engine, spec, { tags: this.withTags });
    } catch (error) {
      this.#exportError = errorMessage(error);
      return null;
    } finally {
      this.#exporting = false;
    }
  }

  // -- saved segments ---------------------------------------------------------------------------

  async refreshSaved(): Promise<void> {
    try {
      this.#saved = await this.#context.saved.list('segment', SAVED_VIEW);
      this.#savedError = null;
    } catch (error) {
      this.#savedError = `could not read the saved segments: ${errorMessage(error)}`;
    }
  }

  async save(): Promise<void> {
    this.#savedMessage = null;
    let spec: SegmentSpecInput;
    try {
      spec = this.savedSpec();
      this.#formError = null;
    } catch (error) {
      this.#formError = errorMessage(error);
      return;
    }
    try {
      const item = await this.#context.saved.save('segment', SAVED_VIEW, this.name, spec);
      this.name = item.name;
      this.#savedMessage = `Saved “${item.name}”.`;
      this.#savedError = null;
    } catch (error) {
      this.#savedError = `could not save: ${errorMessage(error)}`;
    }
    await this.refreshSaved();
  }

  async removeSaved(id: number): Promise<void> {
    try {
      await this.#context.saved.remove(id);
    } catch (error) {
      this.#savedError = `could not delete: ${errorMessage(error)}`;
    }
    await this.refreshSaved();
  }

  /**
   * Fills the builder from a spec (a saved segment, a funnel drop-off, an RFM tier). The spec is validated first;
   * its from / to are not used (the dashboard's date range applies). Returns false (with formError) when invalid.
   */
  openSpec(input: unknown, name = ''): boolean {
    let spec;
    try {
      spec = parseSegmentSpec(input);
    } catch (error) {
      this.#formError = `this segment cannot be opened: ${errorMessage(error)}`;
      return false;
    }
    const defaults = defaultOptions();
    this.tree = conditionToDraft(spec.condition);
    this.#ownTree = null;
    this.options = {
      orderEvent: spec.orderEvent.event,
      revenueProperty: spec.revenueProperty,
      newDays: spec.lifecycle.newDays,
      activeDays: spec.lifecycle.activeDays,
      churnDays: spec.lifecycle.churnDays,
      asOf: spec.asOf?.slice(0, 10) ?? '',
      period: spec.sizeOverTime?.period ?? defaults.period,
      points: spec.sizeOverTime?.points ?? defaults.points,
    };
    this.name = name;
    this.#formError = null;
    this.#savedMessage = null;
    this.run.clear();
    return true;
  }

  async open(item: SavedItem): Promise<void> {
    if (this.openSpec(item.spec, item.name)) await this.execute();
  }
}

/** The one Segments state of a dashboard (the RFM view opens tiers into it). */
export function segmentViewState(dashboard: Dashboard): SegmentViewState {
  return dashboard.viewState(
    'segments',
    () =>
      new SegmentViewState({
        engine: dashboard.engine,
        saved: dashboard.saved,
        range: () => dashboard.view.range,
        dataVersion: () => dashboard.load.dataVersion,
        includeFlagged: () => dashboard.includeFlagged,
      }),
  );
}
