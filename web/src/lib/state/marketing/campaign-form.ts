/** The campaign-lift view's form and its spec (campaign-lift.ts). */
import type { CampaignLiftSpecInput } from '@privacy-analytics/core/analytics';
import type { DateRange } from '../../engine/data-engine';
import { DAY_MS } from '@privacy-analytics/core/time';

export interface CampaignForm {
  campaign: DateRange;
  baseline: DateRange;
  conversionEvent: string;
  /** empty: any event makes a person active */
  activeEvent: string;
  revenueProperty: string;
  retentionDays: number;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Campaign: the last `days` days of `range`; baseline: the `days` days before it. */
export function defaultPeriods(range: DateRange, days = 7): { campaign: DateRange; baseline: DateRange } {
  const end = Date.parse(`${range.to}T00:00:00Z`);
  const start = Math.max(Date.parse(`${range.from}T00:00:00Z`), end - (days - 1) * DAY_MS);
  const length = Math.round((end - start) / DAY_MS) + 1;
  return { campaign: { from: day(start), to: day(end) }, baseline: { from: day(start - length * DAY_MS), to: day(start - DAY_MS) } };
}

export function defaultCampaignForm(range: DateRange): CampaignForm {
  return { ...defaultPeriods(range), conversionEvent: 'Order Completed', activeEvent: '', revenueProperty: 'revenue', retentionDays: 7 };
}

export function campaignLiftSpec(form: CampaignForm): CampaignLiftSpecInput {
  for (const [name, period] of [['campaign', form.campaign], ['baseline', form.baseline]] as const) {
    if (!period.from || !period.to) throw new Error(`pick both dates of the ${name} period`);
    if (period.from > period.to) throw new Error(`the ${name} period starts (${period.from}) after it ends (${period.to})`);
  }
  if (form.campaign.from <= form.baseline.to && form.baseline.from <= form.campaign.to) throw new Error('the baseline period overlaps the campaign period');
  if (!form.conversionEvent.trim()) throw new Error('choose the conversion event');
  if (!Number.isInteger(form.retentionDays) || form.retentionDays < 1) throw new Error(`the retention window must be a whole number of days of at least 1, got ${form.retentionDays}`);
  return {
    campaign: { ...form.campaign },
    baseline: { ...form.baseline },
    conversion: { event: form.conversionEvent.trim() },
    ...(form.activeEvent.trim() ? { active: { event: form.activeEvent.trim() } } : {}),
    revenueProperty: form.revenueProperty.trim() || 'revenue',
    retention: { window: { value: form.retentionDays, unit: 'day' } },
  };
}

export function campaignFormFromSpec(spec: CampaignLiftSpecInput, range: DateRange): CampaignForm {
  const form = defaultCampaignForm(range);
  form.campaign = { from: spec.campaign.from.slice(0, 10), to: spec.campaign.to.slice(0, 10) };
  form.baseline = { from: spec.baseline.from.slice(0, 10), to: spec.baseline.to.slice(0, 10) };
  form.conversionEvent = spec.conversion?.event ?? form.conversionEvent;
  form.activeEvent = spec.active?.event ?? '';
  form.revenueProperty = spec.revenueProperty ?? form.revenueProperty;
  if (spec.retention?.window?.unit === 'day') form.retentionDays = spec.retention.window.value;
  return form;
}
