import { describe, expect, it } from 'vitest';
import { parseBasketSpec } from '@privacy-analytics/core/analytics';
import type { AssociationRule } from '@privacy-analytics/core/analytics';
import { basketFormFromSpec, basketSpec, defaultBasketForm, itemsByBaskets, MAX_LENGTH_CHOICES, sortRules } from './basket-form';

const range = { from: '2026-11-01', to: '2026-11-30' };
const rule = (name: string, lift: number, confidence: number, support: number): AssociationRule => ({
  antecedent: [name], consequent: ['x'], lift, confidence, support, leverage: 0, conviction: null, count: 1, antecedentCount: 1, consequentCount: 1,
});

describe('basket form', () => {
  it('turns percentages into shares and keeps the window only for person baskets', () => {
    const spec = basketSpec({ ...defaultBasketForm(), minSupportPercent: 0.6, minConfidencePercent: 25, maxLength: 4 }, range);
    expect(spec).toMatchObject({ basket: 'order_id', minSupport: 0.006, minConfidence: 0.25, maxLength: 4, events: [{ event: 'Order Completed' }] });
    expect(spec).not.toHaveProperty('window');
    expect(() => parseBasketSpec(spec)).not.toThrow();
    const person = basketSpec({ ...defaultBasketForm(), basket: 'person', windowValue: 2, windowUnit: 'week' }, range);
    expect(person.window).toEqual({ value: 2, unit: 'week' });
  });

  it('names bad thresholds', () => {
    expect(() => basketSpec({ ...defaultBasketForm(), minSupportPercent: 0 }, range)).toThrow('min support must be above 0% and at most 100%, got 0%');
    expect(() => basketSpec({ ...defaultBasketForm(), maxLength: 11 }, range)).toThrow('max length must be a whole number from 2 to 10, got 11');
    expect(() => basketSpec({ ...defaultBasketForm(), maxLength: 1 }, range)).toThrow('max length must be a whole number from 2 to 10, got 1');
  });

  it('offers and accepts itemsets of up to 10 items, as arules\' default maxlen', () => {
    expect(MAX_LENGTH_CHOICES).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const maxLength of MAX_LENGTH_CHOICES) {
      const spec = basketSpec({ ...defaultBasketForm(), maxLength }, range);
      expect(parseBasketSpec(spec).maxLength).toBe(maxLength);
      expect(basketFormFromSpec(spec).maxLength).toBe(maxLength);
    }
  });

  it('opens a saved spec back into the form', () => {
    const form = { ...defaultBasketForm(), item: 'category', minSupportPercent: 5, minLift: 1.5 };
    expect(basketFormFromSpec(basketSpec(form, range))).toEqual(form);
  });

  it('sorts rules by the chosen metric, the others breaking ties', () => {
    const rules = [rule('a', 2, 0.5, 0.1), rule('b', 3, 0.2, 0.1), rule('c', 2, 0.9, 0.05)];
    expect(sortRules(rules, 'lift').map((r) => r.antecedent[0])).toEqual(['b', 'c', 'a']);
    expect(sortRules(rules, 'confidence').map((r) => r.antecedent[0])).toEqual(['c', 'a', 'b']);
    expect(sortRules(rules, 'support').map((r) => r.antecedent[0])).toEqual(['b', 'a', 'c']);
  });

  it('lists items by the baskets holding them', () => {
    expect(itemsByBaskets([['a', 'b'], ['b'], ['b', 'c', 'c']])).toEqual([
      { item: 'b', baskets: 3 },
      { item: 'a', baskets: 1 },
      { item: 'c', baskets: 1 },
    ]);
  });
});
