import type { DataEngine } from '../../engine/data-engine';
import type { SavedReports } from '../../reports/saved-reports';
import { SavedReportList } from '../../reports/saved-report-list.svelte.ts';
import { AnalysisRun } from '../analysis-run.svelte.ts';
import { errorMessage } from '../errors';

/**
 * What the marketing views' states share: a form bound field by field from the view, the spec it asks for (or the
 * message why it is incomplete), one run (newest request wins, cancellable) and the view's saved reports.
 */
export abstract class FormAnalysisState<Form, Spec, Result> {
  /** Bound field by field from the view. */
  form = $state() as Form;
  readonly run: AnalysisRun<Result>;
  readonly saved: SavedReportList;
  #formError = $state<string | null>(null);
  protected readonly engine: DataEngine;

  constructor(engine: DataEngine, saved: SavedReports, view: string, form: Form) {
    this.engine = engine;
    this.form = form;
    this.run = new AnalysisRun(engine);
    this.saved = new SavedReportList(saved, view);
  }

  /** why the form does not make a spec, if it does not */
  get formError(): string | null {
    return this.#formError;
  }

  /** The spec `build` makes of the form, or null with `formError` set to its message. */
  protected specOf(build: () => Spec): Spec | null {
    try {
      const spec = build();
      this.#formError = null;
      return spec;
    } catch (error) {
      this.#formError = errorMessage(error);
      return null;
    }
  }

  /** Replaces the form (a saved report opened) and clears the last form error. */
  protected replaceForm(form: Form): void {
    this.form = form;
    this.#formError = null;
  }

  /** Saves what a report keeps of `spec` (nothing when the form made none). */
  protected saveSpec(name: string, kept: unknown): Promise<boolean> {
    return kept === null ? Promise.resolve(false) : this.saved.save(name, kept);
  }
}

/** A spec without its date range: saved reports follow the dashboard's range when opened. */
export function withoutRange<T extends { from?: unknown; to?: unknown }>(spec: T | null): Omit<T, 'from' | 'to'> | null {
  if (!spec) return null;
  const { from: _from, to: _to, ...rest } = spec;
  return rest;
}
