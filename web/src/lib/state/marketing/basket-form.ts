/** The basket view's form, its spec (basket.ts), and the rule table's sort order. */
import { MAX_ITEMSET_LENGTH, type BasketSpecInput } from '@privacy-analytics/core/analytics';
import type { AssociationRule } from '@privacy-analytics/core/analytics';
import type { DateRange } from '../../engine/data-engine';
import type { DurationUnit } from './attribution-form';

export const ITEM_PROPERTIES = ['product_id', 'category'] as const;

/** Itemset lengths the form offers: 2 to the spec's limit (arules' default maxlen, 10). */
export const MAX_LENGTH_CHOICES = Array.from({ length: MAX_ITEMSET_LENGTH - 1 }, (_, i) => i + 2);

export interface BasketForm {
  basket: 'order_id' | 'person';
  windowValue: number;
  windowUnit: DurationUnit;
  /** product_id, category, or another key of the products' elements */
  item: string;
  purchaseEvent: string;
  /** percentages in the form, shares in the spec */
  minSupportPercent: number;
  minConfidencePercent: number;
  minLift: number;
  maxLength: number;
}

export function defaultBasketForm(): BasketForm {
  return { basket: 'order_id', windowValue: 1, windowUnit: 'day', item: 'product_id', purchaseEvent: 'Order Completed', minSupportPercent: 1, minConfidencePercent: 10, minLift: 1, maxLength: 3 };
}

export function basketSpec(form: BasketForm, range: DateRange): BasketSpecInput {
  const item = form.item.trim();
  if (!item) throw new Error('choose the item property (product_id, category or another key)');
  const event = form.purchaseEvent.trim();
  if (!event) throw new Error('choose the purchase event');
  if (!(form.minSupportPercent > 0 && form.minSupportPercent <= 100)) throw new Error(`min support must be above 0% and at most 100%, got ${form.minSupportPercent}%`);
  if (!(form.minConfidencePercent >= 0 && form.minConfidencePercent <= 100)) throw new Error(`min confidence must be from 0% to 100%, got ${form.minConfidencePercent}%`);
  if (!(form.minLift >= 0)) throw new Error(`min lift must be 0 or more, got ${form.minLift}`);
  if (!Number.isInteger(form.maxLength) || form.maxLength < 2 || form.maxLength > MAX_ITEMSET_LENGTH) throw new Error(`max length must be a whole number from 2 to ${MAX_ITEMSET_LENGTH}, got ${form.maxLength}`);
  if (form.basket === 'person' && !(Number.isInteger(form.windowValue) && form.windowValue >= 1)) throw new Error(`the basket window must be a whole number of at least 1, got ${form.windowValue}`);
  return {
    basket: form.basket,
    ...(form.basket === 'person' ? { window: { value: form.windowValue, unit: form.windowUnit } } : {}),
    item,
    events: [{ event }],
    minSupport: form.minSupportPercent / 100,
    minConfidence: form.minConfidencePercent / 100,
    minLift: form.minLift,
    maxLength: form.maxLength,
    from: range.from,
    to: range.to,
  };
}

export function basketFormFromSpec(spec: BasketSpecInput): BasketForm {
  const form = defaultBasketForm();
  form.basket = spec.basket ?? form.basket;
  if (spec.window) [form.windowValue, form.windowUnit] = [spec.window.value, spec.window.unit === 'hour' || spec.window.unit === 'week' ? spec.window.unit : 'day'];
  form.item = spec.item ?? form.item;
  form.purchaseEvent = spec.events?.[0]?.event ?? form.purchaseEvent;
  form.minSupportPercent = spec.minSupport * 100;
  if (spec.minConfidence !== undefined) form.minConfidencePercent = spec.minConfidence * 100;
  if (spec.minLift !== undefined) form.minLift = spec.minLift;
  if (spec.maxLength !== undefined) form.maxLength = spec.maxLength;
  return form;
}

export const RULE_SORT_KEYS = ['lift', 'confidence', 'support'] as const;
export type RuleSortKey = (typeof RULE_SORT_KEYS)[number];

/** Rules by `key`, largest first; ties as basket.ts orders them (lift, confidence, count, items). */
export function sortRules(rules: readonly AssociationRule[], key: RuleSortKey): AssociationRule[] {
  const order = [key, ...RULE_SORT_KEYS.filter((k) => k !== key)];
  return rules
    .map((rule, index) => ({ rule, index }))
    .sort((a, b) => {
      for (const k of order) if (a.rule[k] !== b.rule[k]) return b.rule[k] - a.rule[k];
      return a.index - b.index;
    })
    .map((x) => x.rule);
}

/** Items by how many baskets hold them (most first), for the "bought A" picker. */
export function itemsByBaskets(baskets: readonly (readonly string[])[]): { item: string; baskets: number }[] {
  const counts = new Map<string, number>();
  for (const basket of baskets) for (const item of new Set(basket)) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([item, n]) => ({ item, baskets: n })).sort((a, b) => b.baskets - a.baskets || (a.item < b.item ? -1 : 1));
}
