import { describe, expect, it } from 'vitest';
import { parseAttributionSpec } from '@privacy-analytics/core/analytics';
import { attributionFormFromSpec, attributionSpec, defaultAttributionForm, savedAttributionSpec } from './attribution-form';

const range = { from: '2026-11-01', to: '2026-11-30' };

describe('attribution form', () => {
  it('makes a spec attribution.ts accepts, with the dashboard range', () => {
    const form = { ...defaultAttributionForm(), touchProperty: 'utm_source', touchEvent: 'page', models: ['markov' as const, 'first' as const], markovOrder: 2 };
    form.conversionFilters = [{ property: 'revenue', op: 'gt', value: '10' }];
    const spec = attributionSpec(form, range);
    expect(spec).toMatchObject({
      conversion: { event: 'Order Completed', where: [{ property: 'revenue', op: 'gt', value: 10 }] },
      touch: { event: 'page', property: 'utm_source' },
      models: ['first', 'markov'],
      markov: { order: 2 },
      from: '2026-11-01',
      to: '2026-11-30',
    });
    expect(() => parseAttributionSpec(spec)).not.toThrow();
  });

  it('names the field that does not make a spec', () => {
    expect(() => attributionSpec({ ...defaultAttributionForm(), conversionEvent: ' ' }, range)).toThrow('choose the conversion event');
    expect(() => attributionSpec({ ...defaultAttributionForm(), models: [] }, range)).toThrow('choose at least one model');
    expect(() => attributionSpec({ ...defaultAttributionForm(), lookbackValue: 0 }, range)).toThrow('the lookback must be a whole number of at least 1, got 0');
    expect(() => attributionSpec({ ...defaultAttributionForm(), newCustomerWindowDays: 1.5 }, range)).toThrow('the new-customer follow-up window must be a whole number of at least 1, got 1.5');
    expect(() => attributionSpec({ ...defaultAttributionForm(), conversionFilters: [{ property: 'revenue', op: 'gt', value: 'x' }] }, range)).toThrow('filter on revenue');
  });

  it('a saved spec has no dates and opens back into the same form', () => {
    const form = { ...defaultAttributionForm(), touchProperty: 'utm_campaign', lookbackValue: 2, lookbackUnit: 'week' as const, models: ['last' as const, 'linear' as const], margin: 0.3, offlineTouch: 'store' as const, newCustomerWindowDays: 30 };
    const saved = savedAttributionSpec(attributionSpec(form, range));
    expect(saved).not.toHaveProperty('from');
    expect(saved).not.toHaveProperty('to');
    expect(saved).toMatchObject({ offlineTouch: 'store', newCustomerWindow: { value: 30, unit: 'day' } });
    expect(attributionFormFromSpec(saved)).toEqual(form);
  });
});
