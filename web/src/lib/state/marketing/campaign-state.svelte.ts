import { runCampaignLift, type CampaignLiftResult, type CampaignLiftSpecInput, type WithBasis } from '@privacy-analytics/core/analytics';
import type { DataEngine, DateRange } from '../../engine/data-engine';
import type { SavedReports } from '../../reports/saved-reports';
import { campaignFormFromSpec, campaignLiftSpec, defaultCampaignForm, type CampaignForm } from './campaign-form';
import { freshPersonMap } from '../person-map';
import { FormAnalysisState } from './form-analysis-state.svelte.ts';

export class CampaignState extends FormAnalysisState<CampaignForm, CampaignLiftSpecInput, WithBasis<CampaignLiftResult>> {
  constructor(engine: DataEngine, saved: SavedReports, range: DateRange) {
    super(engine, saved, 'campaigns', defaultCampaignForm(range));
  }

  spec(): CampaignLiftSpecInput | null {
    return this.specOf(() => campaignLiftSpec(this.form));
  }

  /** Campaign and baseline from the dashboard's range again. */
  resetPeriods(range: DateRange): void {
    const { campaign, baseline } = defaultCampaignForm(range);
    this.form.campaign = campaign;
    this.form.baseline = baseline;
  }

  /** Runs the form's periods, reading rows flagged as invalid when `includeFlagged` (the dashboard's choice). */
  async start(dataVersion: number, includeFlagged = false): Promise<void> {
    const formed = this.spec();
    if (!formed) return;
    const spec = includeFlagged ? { ...formed, includeFlagged } : formed;
    await this.run.run(async () => {
      await freshPersonMap(this.engine, dataVersion);
      return runCampaignLift(this.engine, spec);
    });
  }

  saveReport(name: string): Promise<boolean> {
    return this.saveSpec(name, this.spec());
  }

  open(spec: unknown, range: DateRange): void {
    this.replaceForm(campaignFormFromSpec(spec as CampaignLiftSpecInput, range));
  }
}
