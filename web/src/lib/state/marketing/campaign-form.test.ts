import { describe, expect, it } from 'vitest';
import { parseCampaignLiftSpec } from '@privacy-analytics/core/analytics';
import { campaignFormFromSpec, campaignLiftSpec, defaultCampaignForm, defaultPeriods } from './campaign-form';

describe('campaign form', () => {
  it('defaults to the last week of the range against the week before', () => {
    expect(defaultPeriods({ from: '2026-11-01', to: '2026-11-30' })).toEqual({ campaign: { from: '2026-11-24', to: '2026-11-30' }, baseline: { from: '2026-11-17', to: '2026-11-23' } });
    expect(defaultPeriods({ from: '2026-11-28', to: '2026-11-30' })).toEqual({ campaign: { from: '2026-11-28', to: '2026-11-30' }, baseline: { from: '2026-11-25', to: '2026-11-27' } });
  });

  it('makes a spec campaign-lift.ts accepts and opens it back', () => {
    const range = { from: '2026-11-01', to: '2026-11-30' };
    const form = { ...defaultCampaignForm(range), activeEvent: 'page', retentionDays: 14 };
    const spec = campaignLiftSpec(form);
    expect(() => parseCampaignLiftSpec(spec)).not.toThrow();
    expect(spec).toMatchObject({ active: { event: 'page' }, retention: { window: { value: 14, unit: 'day' } } });
    expect(campaignFormFromSpec(spec, range)).toEqual(form);
  });

  it('refuses overlapping and reversed periods', () => {
    const form = defaultCampaignForm({ from: '2026-11-01', to: '2026-11-30' });
    expect(() => campaignLiftSpec({ ...form, baseline: { from: '2026-11-20', to: '2026-11-25' } })).toThrow('the baseline period overlaps the campaign period');
    expect(() => campaignLiftSpec({ ...form, campaign: { from: '2026-11-30', to: '2026-11-24' } })).toThrow('the campaign period starts (2026-11-30) after it ends (2026-11-24)');
  });
});
