/** The retention builder's form and its mapping to a retention spec (and back, for saved reports). */
import type { RetentionSpec, RetentionSpecInput } from '@privacy-analytics/core/analytics';
import type { EventName } from '@privacy-analytics/core/analytics';
import { emptyEventStep, toEventMatcher, toEventStepDraft, type EventStepDraft } from './event-step-form';
import { entryEvent } from './starter-events';

export type RetentionPeriod = RetentionSpec['period'];
export type RetentionMode = RetentionSpec['mode'];
export type RetentionCriterion = RetentionSpec['criterion'];
export type WeekStart = RetentionSpec['weekStart'];

export interface RetentionForm {
  startEvent: EventStepDraft;
  returnEvent: EventStepDraft;
  period: RetentionPeriod;
  periods: number;
  mode: RetentionMode;
  criterion: RetentionCriterion;
  weekStart: WeekStart;
  /** '' for no breakdown */
  breakdown: string;
  timeZone: string;
}

export function defaultRetentionForm(): RetentionForm {
  return { startEvent: emptyEventStep(), returnEvent: emptyEventStep(), period: 'day', periods: 8, mode: 'recurring', criterion: 'on', weekStart: 'monday', breakdown: '', timeZone: 'UTC' };
}

/**
 * The form a first visit opens with: persons who arrived (viewed a page, on a website) and came back to arrive
 * again, i.e. visitor retention. Specs name their events (there is no "any event"), and arriving is what every
 * returning visitor does; null without events.
 */
export function starterRetentionForm(events: readonly EventName[]): RetentionForm | null {
  const event = entryEvent(events);
  return event === null ? null : { ...defaultRetentionForm(), startEvent: emptyEventStep(event), returnEvent: emptyEventStep(event) };
}

/** Everything but the date range (a saved report's question). */
export function retentionQueryFromForm(form: RetentionForm): RetentionSpecInput {
  const spec: RetentionSpecInput = {
    startEvent: toEventMatcher(form.startEvent, 'start event'),
    returnEvent: toEventMatcher(form.returnEvent, 'return event'),
    period: form.period,
    periods: form.periods,
    mode: form.mode,
    criterion: form.criterion,
    weekStart: form.weekStart,
    timeZone: form.timeZone.trim() || 'UTC',
  };
  const breakdown = form.breakdown.trim();
  if (breakdown) spec.breakdown = { property: breakdown };
  return spec;
}

export function retentionFormFromSpec(spec: RetentionSpecInput): RetentionForm {
  const defaults = defaultRetentionForm();
  return {
    startEvent: toEventStepDraft(spec.startEvent),
    returnEvent: toEventStepDraft(spec.returnEvent),
    period: spec.period ?? defaults.period,
    periods: spec.periods ?? defaults.periods,
    mode: spec.mode ?? defaults.mode,
    criterion: spec.criterion ?? defaults.criterion,
    weekStart: spec.weekStart ?? defaults.weekStart,
    breakdown: spec.breakdown?.property ?? '',
    timeZone: spec.timeZone ?? defaults.timeZone,
  };
}
