import type { EventMatcher } from '@privacy-analytics/core/analytics';
import { toFilterDraft, toPropertyFilter, type FilterDraft } from '../../components/property-filter-form';

/** An event with property filters as a form holds it (a funnel step, a retention event, a path anchor). */
export interface EventStepDraft {
  event: string;
  filters: FilterDraft[];
}

export function emptyEventStep(event = ''): EventStepDraft {
  return { event, filters: [] };
}

/** The spec's matcher from a form row; `label` names the row in the error ("step 2: choose an event"). */
export function toEventMatcher(draft: EventStepDraft, label: string): EventMatcher {
  const event = draft.event.trim();
  if (!event) throw new Error(`${label}: choose an event`);
  try {
    const where = draft.filters.map(toPropertyFilter);
    return where.length ? { event, where } : { event };
  } catch (error) {
    throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

export function toEventStepDraft(matcher: EventMatcher): EventStepDraft {
  return { event: matcher.event, filters: (matcher.where ?? []).map(toFilterDraft) };
}

/** Comma-separated text as a list of trimmed, non-empty, distinct names. */
export function splitNames(text: string): string[] {
  return [...new Set(text.split(',').map((part) => part.trim()).filter(Boolean))];
}
