import { runCampaignLift, type CampaignLiftResult, type CampaignLiftSpecInput } from '../../analytics/campaign-lift';
import type { DataEngine, DateRange } from '../../engine/data-engine';
import type { SavedReports } from '../../reports/saved-reports';
import { AnalysisRun } from '../analysis-run.svelte';
import { errorMessage } from '../errors';
import { campaignFormFromSpec, campaignLiftSpec, defaultCampaignForm, type CampaignForm } from './campaign-form';
import { freshPersonMap } from '../person-map';
import { SavedReportList } from '../../reports/saved-report-list.svelte';

export class CampaignState {
  /** Bound field by field from the view. */
  form = $state<CampaignForm>() as CampaignForm;
  readonly run: AnalysisRun<CampaignLiftResult>;
  readonly saved: SavedReportList;
  #formError = $state<string | null>(null);
  #engine: DataEngine;

  constructor(engine: DataEngine, saved: SavedReports, range: DateRange) {
    this.#engine = engine;
    this.form = defaultCampaignForm(range);
    this.run = new AnalysisRun(engine);
    this.saved = new SavedReportList(saved, 'campaigns');
  }

  get formError(): string | null {
    return this.#formError;
  }

  spec(): CampaignLiftSpecInput | null {
    try {
      const spec = campaignLiftSpec(this.form);
      this.#formError = null;
      return spec;
    } catch (error) {
      this.#formError = errorMessage(error);
      return null;
    }
  }

  /** Campaign and baseline from the dashboard's range again. */
  resetPeriods(range: DateRange): void {
    const { campaign, baseline } = defaultCampaignForm(range);
    this.form.campaign = campaign;
    this.form.baseline = baseline;
  }

  async start(dataVersion: number): Promise<void> {
    const spec = this.spec();
    if (!spec) return;
    await this.run.run(async () => {
      await freshPersonMap(this.#engine, dataVersion);
      return runCampaignLift(this.#engine, spec);
    });
  }

  async saveReport(name: string): Promise<boolean> {
    const spec = this.spec();
    return spec ? this.saved.save(name, spec) : false;
  }

  open(spec: unknown, range: DateRange): void {
    this.form = campaignFormFromSpec(spec as CampaignLiftSpecInput, range);
    this.#formError = null;
  }
}
