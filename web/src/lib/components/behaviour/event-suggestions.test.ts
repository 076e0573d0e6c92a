import { describe, expect, it } from 'vitest';
import type { EventName } from '@privacy-analytics/core/analytics';
import { nameBeingTyped, onlyEcho, suggestEvents, withSuggestion } from './event-suggestions';

const EVENTS: EventName[] = [
  { event: 'page', count: 900 },
  { event: 'Product Viewed', count: 400 },
  { event: 'identify', count: 120 },
  { event: 'Product Added', count: 60 },
  { event: 'Order Completed', count: 20 },
];
const names = (list: EventName[]) => list.map((e) => e.event);

describe('event suggestions', () => {
  it('lists every event, most frequent first, when opened on a field that already holds a name', () => {
    expect(suggestEvents(EVENTS, 'Product Viewed', { multiple: false, typed: false })).toEqual(EVENTS);
  });

  it('keeps the names containing the typed text, in any case, still most frequent first', () => {
    expect(names(suggestEvents(EVENTS, 'product', { multiple: false, typed: true }))).toEqual(['Product Viewed', 'Product Added']);
    expect(names(suggestEvents(EVENTS, 'ED', { multiple: false, typed: true }))).toEqual(['Product Viewed', 'Product Added', 'Order Completed']);
    expect(suggestEvents(EVENTS, 'Refund', { multiple: false, typed: true })).toEqual([]);
  });

  it('has nothing to offer once the typed name is complete', () => {
    expect(onlyEcho(suggestEvents(EVENTS, 'Order Completed', { multiple: false, typed: true }), 'Order Completed', false)).toBe(true);
    expect(onlyEcho(suggestEvents(EVENTS, 'Order', { multiple: false, typed: true }), 'Order', false)).toBe(false);
  });

  it('in a list, completes the name after the last comma and leaves out the names already listed', () => {
    const typed = { multiple: true, typed: true };
    expect(nameBeingTyped('identify, pro', true)).toBe('pro');
    expect(names(suggestEvents(EVENTS, 'Product Added, pro', typed))).toEqual(['Product Viewed']);
    expect(withSuggestion('identify,  pro', 'Product Viewed', typed)).toBe('identify, Product Viewed');
    expect(withSuggestion('pro', 'Product Viewed', typed)).toBe('Product Viewed');
  });

  it('in a list opened to browse, offers the names not yet listed and adds the chosen one', () => {
    const browse = { multiple: true, typed: false };
    expect(names(suggestEvents(EVENTS, 'identify, page', browse))).toEqual(['Product Viewed', 'Product Added', 'Order Completed']);
    expect(withSuggestion('identify, page', 'Order Completed', browse)).toBe('identify, page, Order Completed');
    expect(withSuggestion('', 'page', browse)).toBe('page');
  });

  it('replaces the whole text of a single-name field', () => {
    expect(withSuggestion('Prod', 'Product Added', { multiple: false, typed: true })).toBe('Product Added');
  });
});
