import { runAttribution, type AttributionResult, type AttributionSpecInput } from '../../analytics/attribution';
import { parseSpendCsv, SpendCsvError, MAX_SPEND_CSV_BYTES } from '../../analytics/spend';
import type { DataEngine, DateRange } from '../../engine/data-engine';
import type { SavedReports } from '../../reports/saved-reports';
import { AnalysisRun } from '../analysis-run.svelte';
import { errorMessage } from '../errors';
import { attributionFormFromSpec, attributionSpec, defaultAttributionForm, savedAttributionSpec, type AttributionForm } from './attribution-form';
import { freshPersonMap } from '../person-map';
import { SavedReportList } from '../../reports/saved-report-list.svelte';

export interface SpendFile {
  name: string;
  text: string;
  rows: number;
}

/** The attribution view's state, kept across navigation: form, spend file, the run and saved reports. */
export class AttributionState {
  /** The form is bound field by field from the view, so it is a public deep $state object. */
  form = $state<AttributionForm>(defaultAttributionForm());
  readonly run: AnalysisRun<AttributionResult>;
  readonly saved: SavedReportList;
  #spend = $state<SpendFile | null>(null);
  #spendError = $state<string | null>(null);
  #formError = $state<string | null>(null);
  #engine: DataEngine;

  constructor(engine: DataEngine, saved: SavedReports) {
    this.#engine = engine;
    this.run = new AnalysisRun(engine);
    this.saved = new SavedReportList(saved, 'attribution');
  }

  get spend(): SpendFile | null {
    return this.#spend;
  }
  get spendError(): string | null {
    return this.#spendError;
  }
  get formError(): string | null {
    return this.#formError;
  }

  /** Reads and checks a spend CSV at once, so a bad file is reported before anything runs. */
  async chooseSpend(file: File | null): Promise<void> {
    this.#spendError = null;
    if (!file) {
      this.#spend = null;
      return;
    }
    if (file.size > MAX_SPEND_CSV_BYTES) {
      this.#spend = null;
      this.#spendError = `${file.name}: ${file.size} bytes, larger than the ${MAX_SPEND_CSV_BYTES} bytes a spend CSV may have`;
      return;
    }
    try {
      const text = await file.text();
      const rows = parseSpendCsv(text, file.name).length;
      this.#spend = { name: file.name, text, rows };
    } catch (error) {
      this.#spend = null;
      this.#spendError = error instanceof SpendCsvError ? error.message : `${file.name}: could not be read (${errorMessage(error)})`;
    }
  }

  clearSpend(): void {
    this.#spend = null;
    this.#spendError = null;
  }

  /** The spec for `range`, or null with `formError` set. */
  spec(range: DateRange): AttributionSpecInput | null {
    try {
      const spec = attributionSpec(this.form, range);
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
    const spend = this.#spend;
    await this.run.run(async () => {
      await freshPersonMap(this.#engine, dataVersion);
      return runAttribution(this.#engine, spec, spend ? { spendCsv: spend.text, spendLabel: spend.name } : {});
    });
  }

  async saveReport(name: string, range: DateRange): Promise<boolean> {
    const spec = this.spec(range);
    return spec ? this.saved.save(name, savedAttributionSpec(spec)) : false;
  }

  open(spec: unknown): void {
    this.form = attributionFormFromSpec(spec as AttributionSpecInput);
    this.#formError = null;
  }
}
