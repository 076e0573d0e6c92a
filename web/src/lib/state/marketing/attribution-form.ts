/**
 * The attribution view's form as plain data, and its conversion to and from the spec attribution.ts takes. Saved
 * reports hold the spec (without dates and spend, which belong to the moment), so a report opens in the CLI too.
 */
import { ATTRIBUTION_MODELS, OFFLINE_TOUCH_MODES, type AttributionModel, type AttributionSpecInput, type OfflineTouch } from '@privacy-analytics/core/analytics';
import type { DateRange } from '../../engine/data-engine';
import { toFilterDraft, toPropertyFilter, type FilterDraft } from '../../components/property-filter-form';

export const TOUCH_PROPERTIES = ['channel', 'utm_source', 'utm_campaign'] as const;
export const DURATION_UNITS = ['hour', 'day', 'week'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

export const MODEL_LABELS: Record<AttributionModel, string> = {
  first: 'First touch',
  last: 'Last touch',
  last_non_direct: 'Last non-direct',
  linear: 'Linear',
  time_decay: 'Time decay',
  position: 'Position based',
  markov: 'Markov chain',
};

export interface AttributionForm {
  conversionEvent: string;
  conversionFilters: FilterDraft[];
  revenueProperty: string;
  /** one of TOUCH_PROPERTIES, or any other property name */
  touchProperty: string;
  /** empty: the first event of every session is a touchpoint */
  touchEvent: string;
  lookbackValue: number;
  lookbackUnit: DurationUnit;
  models: AttributionModel[];
  halfLifeValue: number;
  halfLifeUnit: DurationUnit;
  markovOrder: number;
  margin: number;
  /** imported rows' touch: one channel "offline", or "offline:<store>" per store */
  offlineTouch: OfflineTouch;
  /** follow-up window of a new customer's first order, in days */
  newCustomerWindowDays: number;
}

export const OFFLINE_TOUCH_LABELS: Record<OfflineTouch, string> = { offline: 'one channel "offline"', store: 'per store' };

export function defaultAttributionForm(): AttributionForm {
  return {
    conversionEvent: 'Order Completed',
    conversionFilters: [],
    revenueProperty: 'revenue',
    touchProperty: 'channel',
    touchEvent: '',
    lookbackValue: 30,
    lookbackUnit: 'day',
    models: [...ATTRIBUTION_MODELS],
    halfLifeValue: 7,
    halfLifeUnit: 'day',
    markovOrder: 1,
    margin: 1,
    offlineTouch: 'offline',
    newCustomerWindowDays: 90,
  };
}

function positiveWhole(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a whole number of at least 1, got ${value}`);
  return value;
}

/** The spec for `range`; throws a message naming the field when the form does not make one. */
export function attributionSpec(form: AttributionForm, range: DateRange): AttributionSpecInput {
  const conversionEvent = form.conversionEvent.trim();
  if (!conversionEvent) throw new Error('choose the conversion event');
  const touchProperty = form.touchProperty.trim();
  if (!touchProperty) throw new Error('choose the touch property (channel, utm_source, utm_campaign or another property)');
  const models = ATTRIBUTION_MODELS.filter((m) => form.models.includes(m));
  if (models.length === 0) throw new Error('choose at least one model');
  const where = form.conversionFilters.map(toPropertyFilter);
  const touchEvent = form.touchEvent.trim();
  return {
    conversion: where.length ? { event: conversionEvent, where } : { event: conversionEvent },
    revenueProperty: form.revenueProperty.trim() || 'revenue',
    touch: touchEvent ? { event: touchEvent, property: touchProperty } : { property: touchProperty },
    lookback: { value: positiveWhole(form.lookbackValue, 'the lookback'), unit: form.lookbackUnit },
    models,
    halfLife: { value: positiveWhole(form.halfLifeValue, 'the half-life'), unit: form.halfLifeUnit },
    markov: { order: Math.min(4, positiveWhole(form.markovOrder, 'the Markov order')) },
    margin: form.margin > 0 ? form.margin : 1,
    newCustomerWindow: { value: positiveWhole(form.newCustomerWindowDays, 'the new-customer follow-up window'), unit: 'day' },
    offlineTouch: form.offlineTouch,
    from: range.from,
    to: range.to,
  };
}

const WINDOW_DAYS: Record<string, number> = { second: 1 / 86_400, minute: 1 / 1440, hour: 1 / 24, day: 1, week: 7 };

const unit = (u: unknown): DurationUnit => (DURATION_UNITS.includes(u as DurationUnit) ? (u as DurationUnit) : 'day');

/** The form for a saved spec; keys the form does not know keep their defaults. */
export function attributionFormFromSpec(spec: AttributionSpecInput): AttributionForm {
  const form = defaultAttributionForm();
  if (spec.conversion) {
    form.conversionEvent = spec.conversion.event;
    form.conversionFilters = (spec.conversion.where ?? []).map(toFilterDraft);
  }
  if (spec.revenueProperty) form.revenueProperty = spec.revenueProperty;
  if (spec.touch) {
    form.touchProperty = spec.touch.property ?? 'channel';
    form.touchEvent = spec.touch.event ?? '';
  }
  if (spec.lookback) [form.lookbackValue, form.lookbackUnit] = [spec.lookback.value, unit(spec.lookback.unit)];
  if (spec.models) form.models = ATTRIBUTION_MODELS.filter((m) => spec.models!.includes(m));
  if (spec.halfLife) [form.halfLifeValue, form.halfLifeUnit] = [spec.halfLife.value, unit(spec.halfLife.unit)];
  if (spec.markov?.order) form.markovOrder = spec.markov.order;
  if (spec.margin) form.margin = spec.margin;
  if (spec.offlineTouch && OFFLINE_TOUCH_MODES.includes(spec.offlineTouch)) form.offlineTouch = spec.offlineTouch;
  if (spec.newCustomerWindow) form.newCustomerWindowDays = Math.max(1, Math.round((spec.newCustomerWindow.value * (WINDOW_DAYS[spec.newCustomerWindow.unit] ?? 1)) || 90));
  return form;
}

/** What a saved report keeps: the spec without the dates (the dashboard's range applies when it is opened). */
export function savedAttributionSpec(spec: AttributionSpecInput): AttributionSpecInput {
  const { from: _from, to: _to, spend: _spend, ...rest } = spec;
  return rest;
}
