import { runExperiment, type ExperimentResult, type ExperimentSpecInput, type WithBasis } from '@privacy-analytics/core/analytics';
import type { DataEngine, DateRange } from '../../engine/data-engine';
import type { SavedReports } from '../../reports/saved-reports';
import { AnalysisRun } from '../analysis-run.svelte.ts';
import { defaultExperimentForm, experimentFormFromSpec, experimentListSql, experimentSpec, type ExperimentForm, type ExperimentListing } from './experiment-form';
import { freshPersonMap } from '../person-map';
import { FormAnalysisState, withoutRange } from './form-analysis-state.svelte.ts';

export class ExperimentState extends FormAnalysisState<ExperimentForm, ExperimentSpecInput, WithBasis<ExperimentResult>> {
  readonly listing: AnalysisRun<ExperimentListing[]>;
  #listedFor: string | null = null;

  constructor(engine: DataEngine, saved: SavedReports) {
    super(engine, saved, 'experiments', defaultExperimentForm());
    this.listing = new AnalysisRun(engine);
  }

  /** Lists the experiments of the loaded data once per data version, range and exposure event. */
  async list(range: DateRange, dataVersion: number): Promise<void> {
    const key = `${dataVersion}|${range.from}|${range.to}|${this.form.exposureEvent}`;
    if (key === this.#listedFor) return;
    this.#listedFor = key;
    const query = experimentListSql(this.form.exposureEvent, range);
    await this.listing.run(async () => {
      const rows = await this.engine.query<Record<string, unknown>>(query.text, query.params);
      const listed = rows.map((r) => ({ experiment: String(r.experiment), variants: Number(r.variants), exposed: Number(r.exposed), exposures: Number(r.exposures) }));
      if (!this.form.experiment && listed[0]) this.form.experiment = listed[0].experiment;
      return listed;
    });
  }

  spec(range: DateRange): ExperimentSpecInput | null {
    return this.specOf(() => experimentSpec(this.form, range));
  }

  /** Runs over `range`, reading rows flagged as invalid when `includeFlagged` (the dashboard's choice). */
  async start(range: DateRange, dataVersion: number, includeFlagged = false): Promise<void> {
    const formed = this.spec(range);
    if (!formed) return;
    const spec = includeFlagged ? { ...formed, includeFlagged } : formed;
    await this.run.run(async () => {
      await freshPersonMap(this.engine, dataVersion);
      return runExperiment(this.engine, spec);
    });
  }

  saveReport(name: string, range: DateRange): Promise<boolean> {
    return this.saveSpec(name, withoutRange(this.spec(range)));
  }

  open(spec: unknown): void {
    this.replaceForm(experimentFormFromSpec(spec as ExperimentSpecInput));
  }
}
