import { describe, expect, it, vi } from 'vitest';
import { parseSegmentSpec, type EventName } from '@privacy-analytics/core/analytics';
import type { SavedItem, SavedKind, SavedReports } from '../../reports/saved-reports';
import { FunnelViewState } from './funnel-view.svelte.ts';
import { createPathsViewState } from './paths-view';
import { createRetentionViewState } from './retention-view';

/** SavedReports' interface over an array (no IndexedDB in Node). */
function memorySaved(): { store: SavedReports; items: SavedItem[] } {
  const items: SavedItem[] = [];
  let next = 1;
  const store = {
    list: async (kind: SavedKind, view: string) => items.filter((i) => i.kind === kind && i.view === view),
    save: async (kind: SavedKind, view: string, name: string, spec: unknown) => {
      const item: SavedItem = { id: next++, kind, view, name: name.trim(), spec: JSON.parse(JSON.stringify(spec)) as unknown, savedAt: 0 };
      items.push(item);
      return item;
    },
    remove: async (id: number) => void items.splice(items.findIndex((i) => i.id === id), 1),
  };
  return { store: store as unknown as SavedReports, items };
}

function engineAnswering(rows: Record<string, unknown>[]) {
  return { query: vi.fn(async () => rows), cancelQuery: vi.fn(async () => undefined) };
}

const RANGE = { from: '2026-10-01', to: '2026-10-14' };

/** A catalog as readEventCatalog returns it: most frequent first. */
function catalog(...names: string[]): EventName[] {
  return names.map((event, i) => ({ event, count: 1000 - i }));
}
const SHOP = catalog('page', 'Product Viewed', 'identify', 'Product Added', 'Checkout Started', 'Order Completed');
const BLOG = catalog('page', 'Comment Posted', 'Newsletter Subscribed');

describe('starters from the catalog', () => {
  it('runs a first funnel without typing: the e-commerce steps the data has', async () => {
    const engine = engineAnswering([{ n0: 10, n1: 6, n2: 4, n3: 3 }]);
    const state = new FunnelViewState(engine, memorySaved().store);
    state.offerStarter([]);
    expect(state.form.steps.map((s) => s.event)).toEqual(['', '']);
    expect(state.showsStarter).toBe(false);
    state.offerStarter(SHOP);
    expect(state.showsStarter).toBe(true);
    await state.start(RANGE, 1);
    expect(state.run.error).toBeNull();
    expect(state.run.result?.spec.steps).toEqual([{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Checkout Started' }, { event: 'Order Completed' }]);
  });

  it('replaces an untouched starter when other data is loaded, and never what the user typed', () => {
    const state = new FunnelViewState(engineAnswering([]), memorySaved().store);
    state.offerStarter(SHOP);
    state.offerStarter(BLOG);
    expect(state.form.steps.map((s) => s.event)).toEqual(['page', 'Comment Posted', 'Newsletter Subscribed']);
    state.form.steps[1]!.event = 'Comment Liked';
    expect(state.showsStarter).toBe(false);
    state.offerStarter(SHOP);
    expect(state.form.steps.map((s) => s.event)).toEqual(['page', 'Comment Liked', 'Newsletter Subscribed']);
    // typed back to the starter's very text: still the user's
    state.form.steps[1]!.event = 'Comment Posted';
    state.offerStarter(SHOP);
    expect(state.form.steps.map((s) => s.event)).toEqual(['page', 'Comment Posted', 'Newsletter Subscribed']);
  });

  it('never fills a form the user started before the events arrived', () => {
    const state = createRetentionViewState(engineAnswering([]), memorySaved().store);
    state.form.returnEvent.event = 'Order Completed';
    state.offerStarter(SHOP);
    expect([state.form.startEvent.event, state.form.returnEvent.event]).toEqual(['', 'Order Completed']);
  });

  it('never replaces an opened saved report', () => {
    const state = createPathsViewState(engineAnswering([]), memorySaved().store);
    state.offerStarter(SHOP);
    expect(state.form.event.event).toBe('page');
    expect(state.openReport({ kind: 'report', view: 'paths', name: 'after cart', spec: { start: { event: 'Product Added' } }, savedAt: 0 })).toBe(true);
    state.offerStarter(BLOG);
    expect(state.form.event.event).toBe('Product Added');
    expect(state.showsStarter).toBe(false);
  });

  it('leaves a cleared form empty', () => {
    const state = new FunnelViewState(engineAnswering([]), memorySaved().store);
    state.offerStarter(SHOP);
    state.resetForm();
    state.offerStarter(SHOP);
    expect(state.form.steps.map((s) => s.event)).toEqual(['', '']);
  });
});

describe('FunnelViewState', () => {
  it('shows a single-step funnel as a clear error without querying', async () => {
    const engine = engineAnswering([]);
    const state = new FunnelViewState(engine, memorySaved().store);
    state.form.steps[0]!.event = 'Product Viewed';
    state.form.steps.pop();
    await state.start(RANGE, 1);
    expect(state.run.status).toBe('error');
    expect(state.run.error).toBe('spec.steps: a funnel needs at least 2 steps; got [{"event":"Product Viewed"}]');
    expect(engine.query).not.toHaveBeenCalled();
  });

  it('runs over the date range, saves the report without it and opens it into the form', async () => {
    const engine = engineAnswering([{ n0: 10, n1: 4, avg1: 60, med1: 30 }]);
    const { store, items } = memorySaved();
    const state = new FunnelViewState(engine, store);
    state.form.steps[0]!.event = 'Product Viewed';
    state.form.steps[1]!.event = 'Order Completed';
    await state.start(RANGE, 1);
    expect(state.run.error).toBeNull();
    expect(state.run.result?.spec).toMatchObject({ from: RANGE.from, to: RANGE.to });
    expect(state.run.result?.result.steps.map((s) => s.count)).toEqual([10, 4]);

    expect(await state.saveReport('checkout')).toBe(true);
    expect(items[0]).toMatchObject({ kind: 'report', view: 'funnels', name: 'checkout' });
    expect(items[0]!.spec).not.toHaveProperty('from');
    expect(state.reports.items.map((i) => i.name)).toEqual(['checkout']);

    state.resetForm();
    expect(state.form.steps[0]!.event).toBe('');
    expect(state.openReport(items[0]!)).toBe(true);
    expect(state.form.steps.map((s) => s.event)).toEqual(['Product Viewed', 'Order Completed']);
  });

  it('refuses to open a saved report that no longer parses, saying why', () => {
    const state = new FunnelViewState(engineAnswering([]), memorySaved().store);
    const ok = state.openReport({ kind: 'report', view: 'funnels', name: 'old', spec: { steps: [{ event: 'a' }, { event: 'b' }], order: 'random' }, savedAt: 0 });
    expect(ok).toBe(false);
    expect(state.reports.error).toContain('the saved report “old” cannot be opened: spec.order: expected one of sequential, strict, any; got "random"');
  });

  it('saves the persons who dropped at a step as a segment that parses', async () => {
    const { store, items } = memorySaved();
    const state = new FunnelViewState(engineAnswering([{ n0: 10, n1: 4, n2: 1 }]), store);
    ['Product Viewed', 'Checkout Started', 'Order Completed'].forEach((event, i) => {
      if (!state.form.steps[i]) state.form.steps.push({ event: '', filters: [] });
      state.form.steps[i]!.event = event;
    });
    expect(await state.saveDroppedSegment(1, 'no checkout')).toBe(false);
    expect(state.segmentError).toContain('run the funnel first');
    await state.start(RANGE, 1);
    expect(await state.saveDroppedSegment(2, 'abandoned checkout')).toBe(true);
    const segment = items.find((i) => i.kind === 'segment');
    expect(segment).toMatchObject({ view: 'segments', name: 'abandoned checkout' });
    const parsed = parseSegmentSpec(segment!.spec);
    expect(parsed.condition).toMatchObject({ type: 'funnel', step: 2, outcome: 'dropped', funnel: { from: RANGE.from, to: RANGE.to } });
    expect(state.segmentMessage).toContain('reached step 2 but not step 3');
  });
});
