/**
 * The events a view starts with on a first visit, picked from the loaded data's catalog (names with counts, most
 * frequent first), so that pressing Run before typing anything shows a result. docs/dashboard.md says which and why.
 */
import type { EventName } from '@privacy-analytics/core/analytics';

/** Segment's e-commerce spec, in funnel order. */
export const ECOMMERCE_FUNNEL = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'] as const;

/** What a person does on arrival, as the edge names it: `page` / `screen` for those calls, or tracked by hand. */
const ENTRY_EVENTS = new Set(['page', 'Page Viewed', 'screen', 'Screen Viewed', 'Application Opened']);

/** Identity calls say who someone is, not what they did: no analysis starts from them. */
const IDENTITY_EVENTS = new Set(['identify', 'alias', 'group']);

const FALLBACK_FUNNEL_STEPS = 3;

/** The catalog without identity calls, most frequent first (the catalog's order). */
export function behaviourEvents(events: readonly EventName[]): string[] {
  return events.filter((e) => !IDENTITY_EVENTS.has(e.event)).map((e) => e.event);
}

/**
 * The e-commerce funnel's steps that the data has (at least two), else its most frequent events in order of
 * frequency; empty when it has fewer than two.
 */
export function starterFunnelSteps(events: readonly EventName[]): string[] {
  const names = new Set(events.map((e) => e.event));
  const ecommerce = ECOMMERCE_FUNNEL.filter((name) => names.has(name));
  if (ecommerce.length >= 2) return ecommerce;
  const frequent = behaviourEvents(events).slice(0, FALLBACK_FUNNEL_STEPS);
  return frequent.length >= 2 ? frequent : [];
}

/** The most frequent arrival event (page views on a website), else the most frequent event; null without events. */
export function entryEvent(events: readonly EventName[]): string | null {
  const names = behaviourEvents(events);
  return names.find((name) => ENTRY_EVENTS.has(name)) ?? names[0] ?? null;
}

/**
 * What a purchase is in this data: `preferred` (the segment's order event) when present, else the last step of the
 * e-commerce funnel that the data has, else the most frequent event that is not an arrival; null when there is none.
 */
export function purchaseEvent(events: readonly EventName[], preferred: string): string | null {
  const names = behaviourEvents(events);
  if (names.includes(preferred)) return preferred;
  const ecommerce = [...ECOMMERCE_FUNNEL].reverse().find((name) => names.includes(name));
  return ecommerce ?? names.find((name) => !ENTRY_EVENTS.has(name)) ?? null;
}
