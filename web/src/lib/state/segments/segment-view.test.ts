import { describe, expect, it } from 'vitest';
import type { SavedItem, SavedKind } from '../../reports/saved-reports';
import type { BehaviourDraft } from './condition-draft';
import { SegmentViewState, type SegmentsContext } from './segment-view.svelte.ts';

function fakeContext(): SegmentsContext & { queries: string[]; items: SavedItem[] } {
  const items: SavedItem[] = [];
  const queries: string[] = [];
  return {
    items,
    queries,
    engine: {
      query: async (sql: string) => {
        queries.push(sql);
        return [];
      },
      cancelQuery: async () => undefined,
    },
    saved: {
      list: async (kind: SavedKind, view: string) => items.filter((i) => i.kind === kind && i.view === view),
      save: async (kind: SavedKind, view: string, name: string, spec: unknown) => {
        const item: SavedItem = { id: items.length + 1, kind, view, name: name.trim(), spec: JSON.parse(JSON.stringify(spec)), savedAt: 0 };
        items.push(item);
        return item;
      },
      remove: async (id: number) => {
        items.splice(items.findIndex((i) => i.id === id), 1);
      },
    },
    range: () => ({ from: '2024-03-01', to: '2024-03-31' }),
    dataVersion: () => 1,
  };
}

const funnelDropOff = {
  condition: { type: 'funnel', funnel: { steps: [{ event: 'Product Viewed' }, { event: 'Order Completed' }] }, step: 1, outcome: 'dropped' },
  from: '2024-01-01',
  to: '2024-01-31',
};

describe('segment view state', () => {
  it('runs the builder within the date range, as of its end', () => {
    const state = new SegmentViewState(fakeContext());
    (state.tree.children[0] as BehaviourDraft).event = 'Order Completed';
    expect(state.runSpec()).toEqual({
      condition: { and: [{ type: 'behaviour', event: 'Order Completed', atLeast: 1, withinDays: 30 }] },
      orderEvent: { event: 'Order Completed' },
      revenueProperty: 'revenue',
      lifecycle: { newDays: 7, activeDays: 30, churnDays: 90 },
      sizeOverTime: { period: 'week', points: 8 },
      from: '2024-03-01',
      to: '2024-03-31',
      asOf: '2024-03-31',
    });
    state.options.asOf = '2024-03-15';
    expect(state.runSpec().asOf).toBe('2024-03-15');
  });

  it('reports an incomplete form or bad thresholds without querying', async () => {
    const context = fakeContext();
    const state = new SegmentViewState(context);
    await state.execute();
    expect(state.formError).toBe('choose an event for every behaviour condition');
    (state.tree.children[0] as BehaviourDraft).event = 'Order Completed';
    state.options.churnDays = 30;
    await state.execute();
    expect(state.formError).toMatch(/churnDays \(30\) must exceed activeDays \(30\)/);
    expect(state.run.status).toBe('idle');
    expect(context.queries).toEqual([]);
  });

  it('saves without the date range and reopens saved and funnel specs into the builder', async () => {
    const context = fakeContext();
    const state = new SegmentViewState(context);
    (state.tree.children[0] as BehaviourDraft).event = 'Order Completed';
    state.name = ' repeat buyers ';
    await state.save();
    expect(state.savedMessage).toBe('Saved “repeat buyers”.');
    expect(state.saved.map((i) => i.name)).toEqual(['repeat buyers']);
    expect(context.items[0]!.spec).not.toHaveProperty('from');

    expect(state.openSpec(funnelDropOff, 'dropped at checkout')).toBe(true);
    expect(state.name).toBe('dropped at checkout');
    expect(state.tree.children.map((c) => c.kind)).toEqual(['funnel']);
    expect(state.runSpec()).toMatchObject({ condition: { and: [funnelDropOff.condition] }, from: '2024-03-01', to: '2024-03-31' });

    state.openSpec(context.items[0]!.spec);
    expect((state.tree.children[0] as BehaviourDraft).event).toBe('Order Completed');
    await state.removeSaved(1);
    expect(state.saved).toEqual([]);
  });

  it('keeps NOT when a row changes kind', () => {
    const state = new SegmentViewState(fakeContext());
    const row = state.tree.children[0]!;
    state.toggleNot(row.id);
    state.changeKind(row.id, 'score');
    expect(state.tree.children[0]).toMatchObject({ kind: 'score', negate: true, id: row.id });
  });

  it('refuses a saved spec that no longer validates, keeping the builder', () => {
    const state = new SegmentViewState(fakeContext());
    const before = state.tree;
    expect(state.openSpec({ condition: { type: 'tag', tag: 'favourite_colour', op: 'eq', value: 'red' } })).toBe(false);
    expect(state.formError).toMatch(/^this segment cannot be opened: spec\.condition/);
    expect(state.tree).toBe(before);
  });

  it('opens with persons who did the data’s purchase event, and never replaces the user’s rows or an opened segment', () => {
    const shop = ['page', 'Product Viewed', 'identify', 'Order Completed'].map((event, i) => ({ event, count: 100 - i }));
    const blog = ['page', 'Comment Posted'].map((event, i) => ({ event, count: 100 - i }));
    const state = new SegmentViewState(fakeContext());
    state.offerStarter(shop);
    expect(state.showsStarter).toBe(true);
    // the date range of fakeContext is March 2024: 31 days
    expect(state.runSpec().condition).toEqual({ and: [{ type: 'behaviour', event: 'Order Completed', atLeast: 1, withinDays: 31 }] });
    state.offerStarter(blog);
    expect(state.runSpec().condition).toEqual({ and: [{ type: 'behaviour', event: 'Comment Posted', atLeast: 1, withinDays: 31 }] });

    state.addCondition(state.tree.id, 'tag');
    state.offerStarter(shop);
    expect(state.tree.children.map((c) => (c.kind === 'behaviour' ? c.event : c.kind))).toEqual(['Comment Posted', 'tag']);
    expect(state.showsStarter).toBe(false);

    const opened = new SegmentViewState(fakeContext());
    expect(opened.openSpec(funnelDropOff)).toBe(true);
    opened.offerStarter(shop);
    expect(opened.tree.children.map((c) => c.kind)).toEqual(['funnel']);

    let range = { from: '2024-03-01', to: '2024-03-07' };
    const ranged = new SegmentViewState({ ...fakeContext(), range: () => range });
    ranged.offerStarter(shop);
    expect((ranged.tree.children[0] as BehaviourDraft).withinDays).toBe(7);
    range = { from: '2024-01-01', to: '2024-03-31' };
    ranged.offerStarter(shop);
    expect((ranged.tree.children[0] as BehaviourDraft).withinDays).toBe(91);

    const cleared = new SegmentViewState(fakeContext());
    cleared.offerStarter(shop);
    cleared.reset();
    cleared.offerStarter(shop);
    expect(() => cleared.runSpec()).toThrow('choose an event for every behaviour condition');
  });
});
