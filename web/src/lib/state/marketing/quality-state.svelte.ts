import { qualityReportFromCounters, runDataQuality, type CollectionQualityReport, type DataQualityResult, type DataQualitySpecInput, type WithBasis } from '@privacy-analytics/core/analytics';
import type { DataEngine, DateRange, EdgeConnection } from '../../engine/data-engine';
import { EdgeAdmin, roleProblem, type FailureReport } from '../../edge/edge-admin';
import type { SavedReports } from '../../reports/saved-reports';
import { AnalysisRun } from '../analysis-run.svelte.ts';
import { freshPersonMap } from '../person-map';
import { FormAnalysisState, withoutRange } from './form-analysis-state.svelte.ts';

export interface QualityForm {
  conversionEvent: string;
  touchEvent: string;
  /** empty: any touch counts; e.g. utm_campaign: the first touch with the conversion's value */
  campaignProperty: string;
  impressionsEvent: string;
  clicksEvent: string;
  campaignOf: string;
  perDay: boolean;
}

export function defaultQualityForm(): QualityForm {
  return { conversionEvent: 'Order Completed', touchEvent: 'page', campaignProperty: '', impressionsEvent: 'Promotion Viewed', clicksEvent: 'Promotion Clicked', campaignOf: 'promotion_id', perDay: false };
}

export function qualitySpec(form: QualityForm, range: DateRange): DataQualitySpecInput {
  const need = (value: string, what: string) => {
    if (!value.trim()) throw new Error(`choose the ${what}`);
    return value.trim();
  };
  return {
    conversion: { event: need(form.conversionEvent, 'conversion event') },
    touch: { event: need(form.touchEvent, 'touch event') },
    ...(form.campaignProperty.trim() ? { campaignProperty: form.campaignProperty.trim() } : {}),
    impressions: { event: need(form.impressionsEvent, 'impression event') },
    clicks: { event: need(form.clicksEvent, 'click event') },
    campaignOf: need(form.campaignOf, 'campaign property of impressions and clicks'),
    perDay: form.perDay,
    from: range.from,
    to: range.to,
  };
}

/** The collection counters as the edge reports them: the report, or why there is none. */
export type EdgeQuality = { kind: 'report'; report: CollectionQualityReport } | { kind: 'unavailable'; message: string };

export const COUNTER_MINUTES = 60;
/** Days of the failure rate shown (the edge keeps 400). */
export const FAILURE_DAYS = 30;

export type EdgeFailures = { kind: 'report'; report: FailureReport } | { kind: 'unavailable'; message: string };

export class QualityState extends FormAnalysisState<QualityForm, DataQualitySpecInput, WithBasis<DataQualityResult>> {
  readonly edge: AnalysisRun<EdgeQuality>;
  readonly failures: AnalysisRun<EdgeFailures>;

  constructor(engine: DataEngine, saved: SavedReports) {
    super(engine, saved, 'quality', defaultQualityForm());
    // The counters come from the edge, not the engine: nothing to cancel there.
    this.edge = new AnalysisRun({ cancelQuery: () => Promise.resolve() });
    this.failures = new AnalysisRun({ cancelQuery: () => Promise.resolve() });
  }

  spec(range: DateRange): DataQualitySpecInput | null {
    return this.specOf(() => qualitySpec(this.form, range));
  }

  async start(range: DateRange, dataVersion: number): Promise<void> {
    const spec = this.spec(range);
    if (!spec) return;
    await this.run.run(async () => {
      await freshPersonMap(this.engine, dataVersion);
      return runDataQuality(this.engine, spec);
    });
  }

  /** GET …/live (viewer role): accepted, duplicates, bots and rejections per day and for the last hour. */
  async loadEdgeCounters(connection: EdgeConnection): Promise<void> {
    await this.edge.run(async () => {
      try {
        return { kind: 'report', report: qualityReportFromCounters(await new EdgeAdmin(connection).liveCounters(COUNTER_MINUTES)) };
      } catch (error) {
        const problem = roleProblem(error, 'viewer', 'read the collection counters');
        if (problem) return { kind: 'unavailable', message: problem };
        throw error;
      }
    });
  }

  /** GET …/failures (viewer role): the system failure rate per day against the 0.3 % requirement. */
  async loadFailures(connection: EdgeConnection): Promise<void> {
    await this.failures.run(async () => {
      try {
        return { kind: 'report', report: await new EdgeAdmin(connection).failures(FAILURE_DAYS) };
      } catch (error) {
        const problem = roleProblem(error, 'viewer', 'read the failure rate');
        if (problem) return { kind: 'unavailable', message: problem };
        throw error;
      }
    });
  }

  saveReport(name: string, range: DateRange): Promise<boolean> {
    return this.saveSpec(name, withoutRange(this.spec(range)));
  }

  open(spec: unknown): void {
    const s = spec as DataQualitySpecInput;
    this.replaceForm({
      conversionEvent: s.conversion?.event ?? 'Order Completed',
      touchEvent: s.touch?.event ?? 'page',
      campaignProperty: s.campaignProperty ?? '',
      impressionsEvent: s.impressions?.event ?? 'Promotion Viewed',
      clicksEvent: s.clicks?.event ?? 'Promotion Clicked',
      campaignOf: s.campaignOf ?? 'promotion_id',
      perDay: s.perDay ?? false,
    });
  }
}
