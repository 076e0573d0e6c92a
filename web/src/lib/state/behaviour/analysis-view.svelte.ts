import type { EventName } from '@privacy-analytics/core/analytics';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import type { SavedItem, SavedReports } from '../../reports/saved-reports';
import { AnalysisRun, type Cancellable } from '../analysis-run.svelte.ts';
import { errorMessage } from '../errors';
import { freshPersonMap } from '../person-map';
import { mark } from '../../engine/timeline';
import type { DateRange } from '../url-state';
import { SavedReportList } from '../../reports/saved-report-list.svelte.ts';

/** What differs between the behaviour views: their form, spec and analysis. */
export interface AnalysisDefinition<Form, Spec, Result> {
  /** the saved reports' view key, e.g. 'funnels' */
  view: string;
  emptyForm(): Form;
  /** the form a first visit opens with, from the loaded data's events (most frequent first); null: keep the empty one */
  starterForm(events: readonly EventName[]): Form | null;
  /** the form's question without the date range; throws a message naming the incomplete row */
  queryFromForm(form: Form): Spec;
  withRange(query: Spec, range: DateRange): Spec;
  /** throws the analysis' SpecError when the spec is invalid */
  validate(spec: Spec): void;
  /** a saved report's spec (untrusted: validated here) as a form */
  formFromSaved(spec: unknown): Form;
  /** `show`, when given, receives the main result before the analysis completes it (e.g. a funnel's steps before its basis) */
  analyse(engine: QueryEngine, spec: Spec, show?: (partial: Result) => void): Promise<Result>;
}

/** A result with the exact spec it was computed for (the form may have changed since). */
export interface Ran<Spec, Result> {
  spec: Spec;
  result: Result;
}

/**
 * A behaviour view's state, kept across navigation by `dashboard.viewState`: the form being edited, the run
 * (newest request wins, cancellable) and the view's saved reports.
 */
export class AnalysisViewState<Form, Spec extends { includeFlagged?: boolean | undefined }, Result> {
  #form = $state() as Form;
  /**
   * The form as the view itself last filled it (empty, then a starter), as JSON; null once it holds anything else
   * (the user's edits, a saved report), which a starter must never replace.
   */
  #ownForm = $state.raw<{ json: string; starter: boolean } | null>(null);
  #reportMessage = $state<string | null>(null);
  readonly run: AnalysisRun<Ran<Spec, Result>>;
  readonly reports: SavedReportList;
  protected readonly engine: QueryEngine & Cancellable;
  protected readonly definition: AnalysisDefinition<Form, Spec, Result>;

  constructor(engine: QueryEngine & Cancellable, saved: SavedReports, definition: AnalysisDefinition<Form, Spec, Result>) {
    this.engine = engine;
    this.definition = definition;
    this.#form = definition.emptyForm();
    this.#ownForm = { json: JSON.stringify(this.#form), starter: false };
    this.run = new AnalysisRun(engine);
    this.reports = new SavedReportList(saved, definition.view);
  }

  /** the form, deeply reactive: inputs bind to its fields */
  get form(): Form {
    return this.#form;
  }
  /** what the last save or open did, for a status line */
  get reportMessage(): string | null {
    return this.#reportMessage;
  }

  /** A plain copy of the form (no proxies), for specs and saved reports. */
  protected snapshot(): Form {
    return $state.snapshot(this.#form) as Form;
  }

  /** True while the form is the starter drawn from the data, untouched. */
  get showsStarter(): boolean {
    return this.#ownForm !== null && this.#ownForm.starter && this.#ownForm.json === JSON.stringify(this.#form);
  }

  /**
   * Fills the form with the starter for the loaded data's events, unless it holds anything the view did not put
   * there. Called whenever the catalog changes (new data) and before a run, so a first Run has events to run.
   */
  offerStarter(events: readonly EventName[]): void {
    if (this.#ownForm === null) return;
    const current = JSON.stringify(this.snapshot());
    if (current !== this.#ownForm.json) {
      this.#ownForm = null;
      return;
    }
    const starter = this.definition.starterForm(events);
    if (starter === null) return;
    const json = JSON.stringify(starter);
    if (json === current) return;
    this.#form = starter;
    this.#ownForm = { json, starter: true };
  }

  /** Empties the form for good: no starter fills it again. */
  resetForm(): void {
    this.#form = this.definition.emptyForm();
    this.#ownForm = null;
  }

  /**
   * Runs the form's analysis over `range`; a form or spec problem shows as the run's error. `dataVersion` identifies
   * the loaded table: the analyses build the identity map once and would not notice a new table, so it is rebuilt
   * once per load (shared with the segment views). `includeFlagged` is the dashboard's choice, kept in the spec that
   * ran but not in saved reports.
   */
  start(range: DateRange, dataVersion: number, includeFlagged = false): Promise<void> {
    const form = this.snapshot();
    return this.run.run(async (_signal, show) => {
      const ranged = this.definition.withRange(this.definition.queryFromForm(form), range);
      const spec: Spec = includeFlagged ? { ...ranged, includeFlagged } : ranged;
      this.definition.validate(spec);
      mark(`page: ${this.definition.view} run`);
      await freshPersonMap(this.engine, dataVersion);
      mark(`page: ${this.definition.view} analysis`);
      const result = await this.definition.analyse(this.engine, spec, (partial) => {
        mark(`page: ${this.definition.view} shown`);
        show({ spec, result: partial });
      });
      mark(`page: ${this.definition.view} result`);
      return { spec, result };
    });
  }

  async saveReport(name: string): Promise<boolean> {
    this.#reportMessage = null;
    let query: Spec;
    try {
      query = this.definition.queryFromForm(this.snapshot());
      this.definition.validate(query);
    } catch (error) {
      this.reports.fail(`could not save the report: ${errorMessage(error)}`);
      return false;
    }
    const ok = await this.reports.save(name, query);
    if (ok) this.#reportMessage = `Saved “${name.trim()}”.`;
    return ok;
  }

  /** Fills the form from a saved report; the caller runs it. False (with the reason shown) when it no longer parses. */
  openReport(item: SavedItem): boolean {
    this.#reportMessage = null;
    try {
      this.#form = this.definition.formFromSaved(item.spec);
      this.#ownForm = null;
    } catch (error) {
      this.reports.fail(`the saved report “${item.name}” cannot be opened: ${errorMessage(error)}`);
      return false;
    }
    this.reports.clearError();
    this.#reportMessage = `Opened “${item.name}”.`;
    return true;
  }
}
