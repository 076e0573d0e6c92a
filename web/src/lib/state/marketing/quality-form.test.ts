import { describe, expect, it } from 'vitest';
import { parseDataQualitySpec } from '@privacy-analytics/core/analytics';
import { defaultQualityForm, qualitySpec } from './quality-state.svelte.ts';

describe('data quality form', () => {
  it('makes a spec data-quality.ts accepts, with the campaign property only when given', () => {
    const range = { from: '2026-11-01', to: '2026-11-30' };
    const spec = qualitySpec(defaultQualityForm(), range);
    expect(spec).not.toHaveProperty('campaignProperty');
    expect(() => parseDataQualitySpec(spec)).not.toThrow();
    expect(qualitySpec({ ...defaultQualityForm(), campaignProperty: ' utm_campaign ' }, range).campaignProperty).toBe('utm_campaign');
    expect(() => qualitySpec({ ...defaultQualityForm(), touchEvent: '' }, range)).toThrow('choose the touch event');
  });
});
