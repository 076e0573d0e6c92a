import { describe, expect, it } from 'vitest';
import { parseFunnelSpec, parsePathsSpec, parseRetentionSpec, type EventName } from '@privacy-analytics/core/analytics';
import { funnelQueryFromForm, starterFunnelForm } from './funnel-form';
import { pathsQueryFromForm, starterPathsForm } from './paths-form';
import { retentionQueryFromForm, starterRetentionForm } from './retention-form';
import { entryEvent, purchaseEvent, starterFunnelSteps } from './starter-events';

/** A catalog as readEventCatalog returns it: most frequent first. */
function catalog(...names: string[]): EventName[] {
  return names.map((event, i) => ({ event, count: 1000 - i }));
}

/** The demo shop's catalog, in the order of its counts in the demo data. */
const SHOP = catalog('page', 'Product Viewed', 'identify', 'Searched', 'Product Added', 'Cart Viewed', 'Checkout Started', 'Order Completed', 'Signed Up');

describe('starter events', () => {
  it('opens the funnel with the e-commerce steps in funnel order, whatever their frequency', () => {
    expect(starterFunnelSteps(SHOP)).toEqual(['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed']);
    expect(starterFunnelSteps(catalog('Order Completed', 'page', 'Product Viewed'))).toEqual(['Product Viewed', 'Order Completed']);
  });

  it('falls back to the most frequent events, leaving identity calls out, when fewer than two e-commerce steps exist', () => {
    expect(starterFunnelSteps(catalog('identify', 'page', 'Signed Up', 'Order Completed', 'Invite Sent'))).toEqual(['page', 'Signed Up', 'Order Completed']);
    expect(starterFunnelSteps(catalog('alias', 'page', 'identify'))).toEqual([]);
    expect(starterFunnelSteps([])).toEqual([]);
  });

  it('starts paths and retention at the most frequent arrival event, else the most frequent event', () => {
    expect(entryEvent(SHOP)).toBe('page');
    expect(entryEvent(catalog('Song Played', 'screen', 'page'))).toBe('screen');
    expect(entryEvent(catalog('identify', 'Song Played', 'Song Skipped'))).toBe('Song Played');
    expect(entryEvent(catalog('identify'))).toBeNull();
  });

  it('takes the order event as the purchase when the data has it, else the last e-commerce step, else a non-arrival event', () => {
    expect(purchaseEvent(SHOP, 'Order Completed')).toBe('Order Completed');
    expect(purchaseEvent(SHOP, 'Subscription Started')).toBe('Order Completed');
    expect(purchaseEvent(catalog('page', 'Product Viewed', 'Product Added'), 'Order Completed')).toBe('Product Added');
    expect(purchaseEvent(catalog('page', 'identify', 'Song Played'), 'Order Completed')).toBe('Song Played');
    expect(purchaseEvent(catalog('page', 'identify'), 'Order Completed')).toBeNull();
  });

  it('makes forms whose specs the analyses accept, or none without events', () => {
    const funnel = starterFunnelForm(SHOP)!;
    expect(parseFunnelSpec({ ...funnelQueryFromForm(funnel), from: '2026-10-01', to: '2026-10-14' }).steps.map((s) => s.event)).toEqual([
      'Product Viewed',
      'Product Added',
      'Checkout Started',
      'Order Completed',
    ]);
    const retention = parseRetentionSpec({ ...retentionQueryFromForm(starterRetentionForm(SHOP)!), from: '2026-10-01', to: '2026-10-14' });
    expect([retention.startEvent.event, retention.returnEvent.event]).toEqual(['page', 'page']);
    const paths = parsePathsSpec({ ...pathsQueryFromForm(starterPathsForm(SHOP)!), from: '2026-10-01', to: '2026-10-14' });
    expect(paths.start?.event).toBe('page');
    expect(starterFunnelForm([])).toBeNull();
    expect(starterRetentionForm([])).toBeNull();
    expect(starterPathsForm(catalog('identify'))).toBeNull();
  });
});
