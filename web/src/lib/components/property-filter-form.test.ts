import { describe, expect, it } from 'vitest';
import { toFilterDraft, toPropertyFilter } from './property-filter-form';

describe('property filter form', () => {
  it('turns form rows into spec filters with numbers for numeric operators', () => {
    expect(toPropertyFilter({ property: 'revenue', op: 'gte', value: ' 10.5 ' })).toEqual({ property: 'revenue', op: 'gte', value: 10.5 });
    expect(toPropertyFilter({ property: 'country', op: 'in', value: 'DE, US,,CN' })).toEqual({ property: 'country', op: 'in', value: ['DE', 'US', 'CN'] });
    expect(toPropertyFilter({ property: 'price', op: 'between', value: '1, 5' })).toEqual({ property: 'price', op: 'between', value: [1, 5] });
    expect(toPropertyFilter({ property: 'properties.plan', op: 'is_set', value: 'ignored' })).toEqual({ property: 'properties.plan', op: 'is_set' });
  });

  it('names the property when a value does not fit', () => {
    expect(() => toPropertyFilter({ property: 'price', op: 'gt', value: 'cheap' })).toThrow('filter on price: "cheap" is not a number');
    expect(() => toPropertyFilter({ property: 'price', op: 'between', value: '1' })).toThrow('between needs two numbers');
    expect(() => toPropertyFilter({ property: 'plan', op: 'eq', value: '  ' })).toThrow('filter on plan: enter a value');
    expect(() => toPropertyFilter({ property: ' ', op: 'eq', value: 'x' })).toThrow('choose a property');
  });

  it('round-trips a saved filter into the form', () => {
    const filter = { property: 'country', op: 'nin' as const, value: ['DE', 'FR'] };
    expect(toPropertyFilter(toFilterDraft(filter))).toEqual(filter);
  });
});
