import { runExperiment, type ExperimentResult, type ExperimentSpecInput } from '../../analytics/experiment';
import type { DataEngine, DateRange } from '../../engine/data-engine';
import type { SavedReports } from '../../reports/saved-reports';
import { AnalysisRun } from '../analysis-run.svelte';
import { errorMessage } from '../errors';
import { defaultExperimentForm, experimentFormFromSpec, experimentListSql, experimentSpec, type ExperimentForm, type ExperimentListing } from './experiment-form';
import { freshPersonMap } from '../person-map';
import { SavedReportList } from '../../reports/saved-report-list.svelte';

export class ExperimentState {
  /** Bound field by field from the view. */
  form = $state<ExperimentForm>(defaultExperimentForm());
  readonly run: AnalysisRun<ExperimentResult>;
  readonly listing: AnalysisRun<ExperimentListing[]>;
  readonly saved: SavedReportList;
  #formError = $state<string | null>(null);
  #listedFor: string | null = null;
  #engine: DataEngine;

  constructor(engine: DataEngine, saved: SavedReports) {
    this.#engine = engine;
    this.run = new AnalysisRun(engine);
    this.listing = new AnalysisRun(engine);
    this.saved = new SavedReportList(saved, 'experiments');
  }

  get formError(): string | null {
    return this.#formError;
  }

  /** Lists the experiments of the loaded data once per data version, range and exposure event. */
  async list(range: DateRange, dataVersion: number): Promise<void> {
    const key = `${dataVersion}|${range.from}|${range.to}|${this.form.exposureEvent}`;
    if (key === this.#listedFor) return;
    this.#listedFor = key;
    const query = experimentListSql(this.form.exposureEvent, range);
    await this.listing.run(async () => {
      const rows = await this.#engine.query<Record<string, unknown>>(query.text, query.params);
      const listed = rows.map((r) => ({ experiment: String(r.experiment), variants: Number(r.variants), exposed: Number(r.exposed), exposures: Number(r.exposures) }));
      if (!this.form.experiment && listed[0]) this.form.experiment = listed[0].experiment;
      return listed;
    });
  }

  spec(range: DateRange): ExperimentSpecInput | null {
    try {
      const spec = experimentSpec(this.form, range);
      this.#formError = null;
      return spec;
    } catch (error) {
      this.#formError = errorMessage(error);
      return null;
    }
  }

  async start(range: DateRange, dataVersion: number): Promise<void> {
    const spec = this.spec(range);
    if (!spec) return;
    await this.run.run(async () => {
      await freshPersonMap(this.#engine, dataVersion);
      return runExperiment(this.#engine, spec);
    });
  }

  async saveReport(name: string, range: DateRange): Promise<boolean> {
    const spec = this.spec(range);
    if (!spec) return false;
    const { from: _from, to: _to, ...rest } = spec;
    return this.saved.save(name, rest);
  }

  open(spec: unknown): void {
    this.form = experimentFormFromSpec(spec as ExperimentSpecInput);
    this.#formError = null;
  }
}
