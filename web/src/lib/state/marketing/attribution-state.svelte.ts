import { MAX_SPEND_CSV_BYTES, parseSpendCsv, readImportedSpend, runAttribution, timeBounds, type SpendKey, SpendCsvError, type AttributionResult, type AttributionSpecInput, type WithBasis } from '@privacy-analytics/core/analytics';
import type { DataEngine, DateRange } from '../../engine/data-engine';
import type { SavedReports } from '../../reports/saved-reports';
import { errorMessage } from '../errors';
import { attributionFormFromSpec, attributionSpec, defaultAttributionForm, savedAttributionSpec, type AttributionForm } from './attribution-form';
import { freshPersonMap } from '../person-map';
import { FormAnalysisState } from './form-analysis-state.svelte.ts';

export interface SpendFile {
  name: string;
  text: string;
  rows: number;
}

/** The attribution view's state, kept across navigation: form, spend file, the run and saved reports. */
export class AttributionState extends FormAnalysisState<AttributionForm, AttributionSpecInput, WithBasis<AttributionResult>> {
  #spend = $state<SpendFile | null>(null);
  #spendError = $state<string | null>(null);
  /** without a spend CSV: spend from the edge's imported ad reports, matched to the channels by platform or campaign */
  importedSpendBy = $state<SpendKey | 'none'>('platform');

  constructor(engine: DataEngine, saved: SavedReports) {
    super(engine, saved, 'attribution', defaultAttributionForm());
  }

  get spend(): SpendFile | null {
    return this.#spend;
  }
  get spendError(): string | null {
    return this.#spendError;
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
    return this.specOf(() => attributionSpec(this.form, range));
  }

  /** Runs over `range`, reading rows flagged as invalid when `includeFlagged` (the dashboard's choice). */
  async start(range: DateRange, dataVersion: number, includeFlagged = false, fromEdge = false): Promise<void> {
    const formed = this.spec(range);
    if (!formed) return;
    const spec = includeFlagged ? { ...formed, includeFlagged } : formed;
    const spend = this.#spend;
    const by = this.importedSpendBy;
    await this.run.run(async () => {
      await freshPersonMap(this.engine, dataVersion);
      if (spend) return runAttribution(this.engine, spec, { spendCsv: spend.text, spendLabel: spend.name });
      if (by === 'none' || !fromEdge) return runAttribution(this.engine, spec);
      await this.engine.loadAdSpend(range);
      const importedSpend = await readImportedSpend(this.engine, by, timeBounds(spec.from, spec.to));
      return runAttribution(this.engine, spec, { importedSpend });
    });
  }

  saveReport(name: string, range: DateRange): Promise<boolean> {
    const spec = this.spec(range);
    return this.saveSpec(name, spec && savedAttributionSpec(spec));
  }

  open(spec: unknown): void {
    this.replaceForm(attributionFormFromSpec(spec as AttributionSpecInput));
  }
}
