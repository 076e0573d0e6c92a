import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineKind, EventStore } from '../connectors/node/event-store';
import { ev, loadRows, track } from '../testing/event-rows';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { FUNNEL_ORDERS, funnelPersons, isChainFunnel, parseFunnelSpec, runFunnel, type FunnelSpecInput } from './funnel';
import { SpecError } from './spec';

let store: EventStore;
const stores = {} as Record<EngineKind, EventStore>;
beforeAll(async () => {
  store = await openWasmStore();
  stores.wasm = store;
  stores.native = await openNativeStore({ threads: 1 });
});
afterAll(async () => Promise.all([store?.close(), stores.native?.close()]));

const counts = (result: { steps: { count: number }[] }) => result.steps.map((s) => s.count);
const abc: FunnelSpecInput = { steps: [{ event: 'a' }, { event: 'b' }, { event: 'c' }] };

describe('funnel', () => {
  it('reports count, conversion and time to convert per step', async () => {
    await loadRows(store, [
      track('u1', 'a', '2024-01-01T00:00:00Z'),
      track('u1', 'b', '2024-01-01T00:01:00Z'),
      track('u1', 'c', '2024-01-01T00:03:00Z'),
      track('u2', 'a', '2024-01-01T00:00:00Z'),
      track('u2', 'b', '2024-01-01T00:03:00Z'),
      track('u3', 'a', '2024-01-01T00:00:00Z'),
    ]);
    const result = await runFunnel(store, { steps: [{ event: 'a' }, { event: 'b' }, { event: 'c' }] });
    expect({ ...result, basis: undefined }).toEqual({
      steps: [
        { index: 0, event: 'a', count: 3, conversionFromPrevious: 1, conversionFromFirst: 1, avgTimeToConvertSeconds: null, medianTimeToConvertSeconds: null },
        { index: 1, event: 'b', count: 2, conversionFromPrevious: 2 / 3, conversionFromFirst: 2 / 3, avgTimeToConvertSeconds: 120, medianTimeToConvertSeconds: 120 },
        { index: 2, event: 'c', count: 1, conversionFromPrevious: 0.5, conversionFromFirst: 1 / 3, avgTimeToConvertSeconds: 120, medianTimeToConvertSeconds: 120 },
      ],
    });
    expect(await funnelPersons(store, abc, 1, 'dropped')).toEqual(['u3']);
    expect(await funnelPersons(store, abc, 2, 'dropped')).toEqual(['u2']);
    expect(await funnelPersons(store, abc, 1, 'reached')).toEqual(['u1', 'u2']);
  });

  it('hands the steps (and breakdown) to onSteps before the basis query, equal to the final result', async () => {
    await loadRows(store, [track('u1', 'a', '2024-01-01T00:00:00Z'), track('u1', 'b', '2024-01-01T00:01:00Z'), track('u2', 'a', '2024-01-01T00:00:00Z')]);
    const asked: string[] = [];
    const engine = { query: (text: string, params?: readonly unknown[]) => (asked.push(text), store.query(text, params as never)) } as typeof store;
    let shown: { steps: unknown; breakdown?: unknown; basis?: unknown; askedBefore: number } | null = null;
    const spec: FunnelSpecInput = { steps: [{ event: 'a' }, { event: 'b' }], breakdown: { property: 'event' } };
    const result = await runFunnel(engine, spec, { onSteps: (r) => (shown = { ...r, askedBefore: asked.length }) });
    expect(shown).not.toBeNull();
    expect(shown!.basis).toBeUndefined();
    expect(shown!.steps).toEqual(result.steps);
    expect(shown!.breakdown).toEqual(result.breakdown);
    // the basis query runs after the steps were handed over, and last
    expect(asked.slice(0, shown!.askedBefore).some((q) => /WITH ev AS MATERIALIZED/.test(q))).toBe(false);
    expect(asked.at(-1)).toMatch(/WITH ev AS MATERIALIZED/);
    expect(result.basis.events.loaded).toBe(3);
  });

  it('counts a step exactly at the window boundary, not one millisecond after', async () => {
    await loadRows(store, [
      track('on-time', 'a', '2024-01-01T00:00:00.000Z'),
      track('on-time', 'b', '2024-01-01T01:00:00.000Z'),
      track('late', 'a', '2024-01-01T00:00:00.000Z'),
      track('late', 'b', '2024-01-01T01:00:00.001Z'),
    ]);
    const result = await runFunnel(store, { steps: [{ event: 'a' }, { event: 'b' }], window: { value: 1, unit: 'hour' } });
    expect(counts(result)).toEqual([2, 1]);
    expect(await funnelPersons(store, { steps: [{ event: 'a' }, { event: 'b' }], window: { value: 1, unit: 'hour' } }, 1, 'reached')).toEqual(['on-time']);
  });

  it('measures the window from the first step, and retries from a later first step', async () => {
    await loadRows(store, [
      track('u1', 'a', '2024-01-01T00:00:00Z'),
      track('u1', 'a', '2024-01-20T00:00:00Z'),
      track('u1', 'b', '2024-01-21T00:00:00Z'),
      track('u2', 'a', '2024-01-01T00:00:00Z'),
      track('u2', 'b', '2024-01-10T00:00:00Z'),
      track('u2', 'c', '2024-01-16T00:00:00Z'),
    ]);
    const result = await runFunnel(store, abc);
    expect(counts(result)).toEqual([2, 2, 0]);
    expect(result.steps[1]!.medianTimeToConvertSeconds).toBe((86_400 + 9 * 86_400) / 2);
  });

  it('needs as many events as repeated steps', async () => {
    await loadRows(store, [
      track('once', 'view', '2024-01-01T00:00:00Z'),
      track('once', 'buy', '2024-01-01T00:01:00Z'),
      track('twice', 'view', '2024-01-01T00:00:00Z'),
      track('twice', 'view', '2024-01-01T00:00:30Z'),
      track('twice', 'buy', '2024-01-01T00:01:00Z'),
    ]);
    const spec: FunnelSpecInput = { steps: [{ event: 'view' }, { event: 'view' }, { event: 'buy' }] };
    expect(counts(await runFunnel(store, spec))).toEqual([2, 1, 1]);
    expect(counts(await runFunnel(store, { ...spec, order: 'any' }))).toEqual([2, 2, 1]);
    expect(counts(await runFunnel(store, { ...spec, order: 'strict' }))).toEqual([2, 1, 1]);
  });

  it('breaks a strict funnel on any other event in between, but not a sequential one', async () => {
    await loadRows(store, [
      track('clean', 'a', '2024-01-01T00:00:00Z'),
      track('clean', 'b', '2024-01-01T00:01:00Z'),
      track('interrupted', 'a', '2024-01-01T00:00:00Z'),
      track('interrupted', 'other', '2024-01-01T00:00:30Z'),
      track('interrupted', 'b', '2024-01-01T00:01:00Z'),
    ]);
    const spec: FunnelSpecInput = { steps: [{ event: 'a' }, { event: 'b' }] };
    expect(counts(await runFunnel(store, { ...spec, order: 'strict' }))).toEqual([2, 1]);
    expect(counts(await runFunnel(store, spec))).toEqual([2, 2]);
  });

  it('accepts steps in any order with order "any", counting persons with at least k+1 steps', async () => {
    await loadRows(store, [
      track('reverse', 'c', '2024-01-01T00:00:00Z'),
      track('reverse', 'b', '2024-01-01T00:01:00Z'),
      track('reverse', 'a', '2024-01-01T00:02:00Z'),
      track('two', 'b', '2024-01-01T00:00:00Z'),
      track('two', 'a', '2024-01-01T00:05:00Z'),
      track('one', 'c', '2024-01-01T00:00:00Z'),
    ]);
    const result = await runFunnel(store, { ...abc, order: 'any' });
    expect(counts(result)).toEqual([3, 2, 1]);
    expect(result.steps[1]!.avgTimeToConvertSeconds).toBe((60 + 300) / 2);
    expect(counts(await runFunnel(store, abc))).toEqual([2, 0, 0]);
  });

  it('removes persons who did an exclusion event between the two steps', async () => {
    await loadRows(store, [
      track('excluded', 'a', '2024-01-01T00:00:00Z'),
      track('excluded', 'x', '2024-01-01T00:00:30Z'),
      track('excluded', 'b', '2024-01-01T00:01:00Z'),
      track('after', 'a', '2024-01-01T00:00:00Z'),
      track('after', 'b', '2024-01-01T00:01:00Z'),
      track('after', 'x', '2024-01-01T00:02:00Z'),
      track('stuck', 'a', '2024-01-01T00:00:00Z'),
      track('stuck', 'x', '2024-01-01T00:02:00Z'),
      track('clean', 'a', '2024-01-01T00:00:00Z'),
    ]);
    const spec: FunnelSpecInput = { steps: [{ event: 'a' }, { event: 'b' }], exclusions: [{ event: 'x', fromStep: 0, toStep: 1 }] };
    expect(counts(await runFunnel(store, spec))).toEqual([2, 1]);
    expect(counts(await runFunnel(store, { ...spec, count: 'totals' }))).toEqual([2, 1]);
    expect(counts(await runFunnel(store, { steps: spec.steps }))).toEqual([4, 2]);
  });

  it('counts every attempt with count "totals"', async () => {
    await loadRows(store, [
      track('u1', 'a', '2024-01-01T00:00:00Z'),
      track('u1', 'b', '2024-01-01T00:01:00Z'),
      track('u1', 'a', '2024-01-02T00:00:00Z'),
      track('u1', 'b', '2024-01-02T00:01:00Z'),
      track('u1', 'a', '2024-01-03T00:00:00Z'),
    ]);
    const spec: FunnelSpecInput = { steps: [{ event: 'a' }, { event: 'b' }], window: { value: 1, unit: 'hour' } };
    expect(counts(await runFunnel(store, spec))).toEqual([1, 1]);
    expect(counts(await runFunnel(store, { ...spec, count: 'totals' }))).toEqual([3, 2]);
  });

  it('breaks down by the property of the first step event, with filters on steps', async () => {
    await loadRows(store, [
      track('u1', 'signup', '2024-01-01T00:00:00Z', { country: 'US', properties: { plan: 'pro' } }),
      track('u1', 'buy', '2024-01-01T00:01:00Z', { country: 'DE' }),
      track('u2', 'signup', '2024-01-01T00:00:00Z', { country: 'US', properties: { plan: 'free' } }),
      track('u2', 'buy', '2024-01-01T00:01:00Z'),
      track('u3', 'signup', '2024-01-01T00:00:00Z', { country: 'CN', properties: { plan: 'pro' } }),
      track('u4', 'signup', '2024-01-01T00:00:00Z', { properties: { plan: 'pro' } }),
    ]);
    const result = await runFunnel(store, { steps: [{ event: 'signup' }, { event: 'buy' }], breakdown: { property: 'country' } });
    expect(counts(result)).toEqual([4, 2]);
    expect(result.breakdown!.map((b) => [b.value, counts(b)])).toEqual([
      ['US', [2, 2]],
      ['CN', [1, 0]],
      [null, [1, 0]],
    ]);
    const pro = await runFunnel(store, { steps: [{ event: 'signup', where: [{ property: 'plan', op: 'eq', value: 'pro' }] }, { event: 'buy' }], breakdown: { property: 'plan' } });
    expect(counts(pro)).toEqual([3, 1]);
    expect(pro.breakdown!.map((b) => [b.value, counts(b)])).toEqual([['pro', [3, 1]]]);
  });

  it('limits events to [from, to], a date covering its whole UTC day', async () => {
    await loadRows(store, [
      track('u1', 'a', '2024-01-01T23:59:59.999Z'),
      track('u1', 'b', '2024-01-02T00:00:00Z'),
      track('u2', 'a', '2024-01-02T12:00:00Z'),
      track('u2', 'b', '2024-01-02T23:59:59.999Z'),
      track('u3', 'a', '2024-01-03T00:00:00Z'),
    ]);
    const spec: FunnelSpecInput = { steps: [{ event: 'a' }, { event: 'b' }], from: '2024-01-02', to: '2024-01-02' };
    expect(counts(await runFunnel(store, spec))).toEqual([1, 1]);
    expect(counts(await runFunnel(store, { ...spec, from: '2024-01-01' }))).toEqual([2, 2]);
  });

  it('follows one person across an anonymous id and the user id it was identified with', async () => {
    await loadRows(store, [
      ev({ at: '2024-01-01T00:00:00Z', event: 'a', anonymous_id: 'anon' }),
      ev({ at: '2024-01-01T00:00:10Z', type: 'identify', event: 'identify', anonymous_id: 'anon', user_id: 'user' }),
      ev({ at: '2024-01-01T00:01:00Z', event: 'b', user_id: 'user' }),
    ]);
    const spec: FunnelSpecInput = { steps: [{ event: 'a' }, { event: 'b' }] };
    expect(counts(await runFunnel(store, spec))).toEqual([1, 1]);
    expect(await funnelPersons(store, spec, 1, 'reached')).toEqual(['user']);
    expect(counts(await runFunnel(store, { ...spec, identity: 'none' }))).toEqual([1, 0]);
  });

  it('rejects bad specs with the path and value', () => {
    expect(() => parseFunnelSpec({ steps: [{ event: 'a' }] })).toThrow(new SpecError('spec.steps: a funnel needs at least 2 steps; got [{"event":"a"}]'));
    expect(() => parseFunnelSpec({ steps: [{ event: 'a' }, { event: 'b', where: [{ property: 'plan', op: 'equals', value: 'x' }] }] })).toThrow(
      /spec\.steps\[1\]\.where\[0\]\.op: expected one of eq, neq, .*; got "equals"/,
    );
    expect(() => parseFunnelSpec({ steps: [{ event: 'a' }, { event: 'b' }], windw: 3 })).toThrow('spec: unknown key "windw"');
    expect(() => parseFunnelSpec({ steps: [{ event: 'a' }, { event: 'b' }], exclusions: [{ event: 'x', fromStep: 1, toStep: 1 }] })).toThrow(
      'spec.exclusions[0].toStep: toStep (1) must be after fromStep (1); got 1',
    );
    expect(() => parseFunnelSpec({ steps: [{ event: 'a' }, { event: 'b' }], from: 'yesterday' })).toThrow('spec.from: expected a date (YYYY-MM-DD) or an ISO-8601 time; got "yesterday"');
    expect(() => parseFunnelSpec({ steps: [{ event: 'a' }, { event: 'b' }, { event: 'c' }], order: 'any', exclusions: [{ event: 'x', fromStep: 0, toStep: 1 }] })).toThrow(
      /exclusions must span the whole funnel/,
    );
  });
});

/** Seconds after 2021-05-01T00:00:00Z, the day PostHog's exclusion tests start on. */
const second = (s: number) => new Date(Date.UTC(2021, 4, 1) + s * 1000).toISOString();
const hour = (h: number, minutes = 0) => second(h * 3600 + minutes * 60);
const times = (result: { steps: { avgTimeToConvertSeconds: number | null; medianTimeToConvertSeconds: number | null }[] }) =>
  result.steps.map((s) => [s.avgTimeToConvertSeconds, s.medianTimeToConvertSeconds]);

// The cases are PostHog's (posthog/hogql_queries/insights/funnels/test/: test_funnel.py, test_funnel_unordered.py,
// test_funnel_trends_udf.py), under their names, with their events and expected counts.
describe.each(['wasm', 'native'] as const)('issue 17: funnel exclusions must not block a later clean attempt (%s)', (engine) => {
  const twoSteps: FunnelSpecInput = {
    steps: [{ event: 'step one' }, { event: 'step two' }],
    exclusions: [{ event: 'exclusion', fromStep: 0, toStep: 1 }],
  };

  it.each(FUNNEL_ORDERS)('test_short_exclusions, %s order: the clean second attempt converts, with its own time', async (order) => {
    const db = stores[engine];
    await loadRows(db, [
      track('user_one', 'step one', second(0)),
      track('user_one', 'exclusion', second(1)),
      track('user_one', 'step two', second(31)),
      track('user_one', 'step one', second(3600)),
      track('user_one', 'step two', second(3629)),
    ]);
    const spec: FunnelSpecInput = { ...twoSteps, order, window: { value: 30, unit: 'second' } };
    const persons = await runFunnel(db, spec);
    expect(counts(persons)).toEqual([1, 1]);
    expect(times(persons)).toEqual([
      [null, null],
      [29, 29],
    ]);
    expect(await funnelPersons(db, spec, 1, 'reached')).toEqual(['user_one']);
    expect(counts(await runFunnel(db, { ...spec, count: 'totals' }))).toEqual(order === 'any' ? [3, 1] : [1, 1]);
  });

  it('test_short_exclusions without the exclusion: the chain plan finds the same later attempt', async () => {
    const db = stores[engine];
    await loadRows(db, [
      track('user_one', 'step one', second(0)),
      track('user_one', 'exclusion', second(1)),
      track('user_one', 'step two', second(31)),
      track('user_one', 'step one', second(3600)),
      track('user_one', 'step two', second(3629)),
    ]);
    const spec = parseFunnelSpec({ steps: twoSteps.steps, window: { value: 30, unit: 'second' } });
    expect(isChainFunnel(spec)).toBe(true);
    const result = await runFunnel(db, spec);
    expect(counts(result)).toEqual([1, 1]);
    expect(times(result)[1]).toEqual([29, 29]);
  });

  it.each(FUNNEL_ORDERS)('test_funnel_exclusion_multiple_possible_no_end_event1..3, %s order: removed only when no attempt is clean', async (order) => {
    const db = stores[engine];
    await loadRows(db, [
      // 1: excluded, then a clean attempt that stops at step one.
      track('one', 'step one', second(0)),
      track('one', 'exclusion', second(1)),
      track('one', 'step one', second(31)),
      // 2: a clean attempt, then an excluded one.
      track('two', 'step one', second(0)),
      track('two', 'step one', second(31)),
      track('two', 'exclusion', second(32)),
      // 3: the exclusion falls inside both attempts' windows.
      track('three', 'step one', second(0)),
      track('three', 'step one', second(1)),
      track('three', 'exclusion', second(2)),
    ]);
    const spec: FunnelSpecInput = { ...twoSteps, order, window: { value: 10, unit: 'second' } };
    expect(counts(await runFunnel(db, spec))).toEqual([2, 0]);
    expect(await funnelPersons(db, spec, 0, 'reached')).toEqual(['one', 'two']);
    expect(counts(await runFunnel(db, { ...spec, count: 'totals' }))).toEqual([2, 0]);
  });

  it.each(FUNNEL_ORDERS)('test_exclusion_after_goal, %s order: an exclusion in a later attempt does not undo a completed one', async (order) => {
    const db = stores[engine];
    await loadRows(db, [
      track('user_one', 'step one', second(0)),
      track('user_one', 'step two', second(1)),
      track('user_one', 'step three', second(3)),
      track('user_one', 'step one', second(4)),
      track('user_one', 'step two', second(5)),
      track('user_one', 'exclusion', second(6)),
      track('user_one', 'step three', second(7)),
    ]);
    const steps = [{ event: 'step one' }, { event: 'step two' }, { event: 'step three' }];
    const exclusions = [order === 'any' ? { event: 'exclusion', fromStep: 0, toStep: 2 } : { event: 'exclusion', fromStep: 1, toStep: 2 }];
    const result = await runFunnel(db, { steps, exclusions, order, window: { value: 10, unit: 'second' } });
    expect(counts(result)).toEqual([1, 1, 1]);
    expect(times(result).slice(1)).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('test_advanced_funnel_exclusions_between_steps: what a person reached before an exclusion counts nowhere when no attempt is clean', async () => {
    const db = stores[engine];
    const journey = (person: string, events: [string, string][]) => events.map(([event, at]) => track(person, event, at));
    await loadRows(db, [
      ...journey('person1', [
        ['user signed up', hour(1)],
        ['$pageview', hour(2)],
        ['x', hour(3)],
        ['insight viewed', hour(4)],
        ['x', hour(4, 30)],
        ['invite teammate', hour(5)],
        ['x', hour(5, 30)],
        ['pageview2', hour(6)],
      ]),
      ...journey('person2', [
        ['user signed up', hour(1)],
        ['$pageview', hour(2)],
        ['insight viewed', hour(4)],
        ['x', hour(4, 30)],
        ['invite teammate', hour(5)],
        ['x', hour(5, 30)],
        ['pageview2', hour(6)],
      ]),
      ...journey('person3', [
        ['user signed up', hour(1)],
        ['x', hour(1, 30)],
        ['$pageview', hour(2)],
        ['insight viewed', hour(4)],
        ['invite teammate', hour(5)],
        ['x', hour(5, 30)],
        ['pageview2', hour(6)],
      ]),
    ]);
    const steps = ['user signed up', '$pageview', 'insight viewed', 'invite teammate', 'pageview2'].map((event) => ({ event }));
    const run = (fromStep: number, toStep: number) => runFunnel(db, { steps, exclusions: [{ event: 'x', fromStep, toStep }] });
    const reached = (fromStep: number, toStep: number) => funnelPersons(db, { steps, exclusions: [{ event: 'x', fromStep, toStep }] }, 0, 'reached');
    expect(counts(await run(0, 1))).toEqual([2, 2, 2, 2, 2]);
    expect(await reached(0, 1)).toEqual(['person1', 'person2']);
    expect(counts(await run(1, 2))).toEqual([2, 2, 2, 2, 2]);
    expect(await reached(1, 2)).toEqual(['person2', 'person3']);
    expect(counts(await run(2, 3))).toEqual([1, 1, 1, 1, 1]);
    expect(await reached(2, 3)).toEqual(['person3']);
    expect(counts(await run(3, 4))).toEqual([0, 0, 0, 0, 0]);
    expect(counts(await run(1, 3))).toEqual([1, 1, 1, 1, 1]);
    expect(await reached(1, 3)).toEqual(['person3']);
  });

  it('test_advanced_funnel_multiple_exclusions_between_steps (unordered): each person keeps their best clean window', async () => {
    const db = stores[engine];
    const journey = (person: string, events: [string, string][]) => events.map(([event, at]) => track(person, event, at));
    await loadRows(db, [
      ...journey('person1', [
        ['user signed up', hour(1)],
        ['x', hour(2)],
        ['$pageview', hour(3)],
        ['insight viewed', hour(4)],
        ['y', hour(4, 30)],
        ['invite teammate', hour(5)],
        ['pageview2', hour(6)],
      ]),
      ...journey('person2', [
        ['user signed up', hour(1)],
        ['y', hour(1, 30)],
        ['$pageview', hour(2)],
        ['insight viewed', hour(4)],
        ['y', hour(4, 30)],
        ['invite teammate', hour(5)],
        ['x', hour(5, 30)],
        ['pageview2', hour(6)],
      ]),
      ...journey('person3', [
        ['user signed up', hour(1)],
        ['x', hour(1, 30)],
        ['$pageview', hour(2)],
        ['insight viewed', hour(4)],
        ['invite teammate', hour(5)],
        ['x', hour(5, 30)],
        ['pageview2', hour(6)],
      ]),
      ...journey('person4', [
        ['user signed up', hour(1)],
        ['$pageview', hour(2)],
        ['insight viewed', hour(4)],
        ['invite teammate', hour(5)],
        ['pageview2', hour(6)],
      ]),
      ...journey('person5', [
        ['user signed up', hour(1)],
        ['x', hour(1, 30)],
        ['$pageview', hour(2)],
        ['x', hour(2, 30)],
        ['insight viewed', hour(4)],
        ['y', hour(4, 30)],
        ['invite teammate', hour(5)],
        ['x', hour(5, 30)],
        ['pageview2', hour(6)],
      ]),
    ]);
    const steps = ['user signed up', '$pageview', 'insight viewed', 'invite teammate', 'pageview2'].map((event) => ({ event }));
    const spec: FunnelSpecInput = {
      steps,
      order: 'any',
      exclusions: [
        { event: 'x', fromStep: 0, toStep: 4 },
        { event: 'y', fromStep: 0, toStep: 4 },
      ],
    };
    expect(counts(await runFunnel(db, spec))).toEqual([5, 2, 1, 1, 1]);
    expect(await funnelPersons(db, spec, 1, 'reached')).toEqual(['person1', 'person4']);
    // In order, each of these persons has one attempt, and only person4's is clean.
    expect(counts(await runFunnel(db, { ...spec, order: 'sequential' }))).toEqual([1, 1, 1, 1, 1]);
  });

  // PostHog's ordered funnels remove a person whose excluded attempt got a step past its exclusion, further than every
  // clean attempt; its unordered funnels keep the best clean window. Strict order: the exclusion event itself ends the
  // attempt, so it gets no step past it.
  it.each([
    { order: 'sequential', completion: [0, 0] },
    { order: 'strict', completion: [1, 0] },
    { order: 'any', completion: [1, 0] },
  ] as const)('test_excluded_completion, test_exclusion_multiday_partial_first_day_*, $order order: an excluded attempt that got further', async ({ order, completion }) => {
    const db = stores[engine];
    await loadRows(db, [
      // test_excluded_completion: the first attempt is clean (its window ends before the exclusion), the second not.
      track('completion', 'step one', second(0)),
      track('completion', 'exclusion', second(11)),
      track('completion', 'step one', second(12)),
      track('completion', 'exclusion', second(13)),
      track('completion', 'step two', second(14)),
    ]);
    const spec: FunnelSpecInput = { ...twoSteps, order, window: { value: 10, unit: 'second' } };
    expect(counts(await runFunnel(db, spec))).toEqual(completion);
    await loadRows(db, [
      // test_exclusion_multiday_partial_first_day_exclusion_second_day
      track('partial', 'step one', second(0)),
      track('partial', 'step one', second(86_430)),
      track('partial', 'exclusion', second(86_431)),
      track('partial', 'step two', second(86_432)),
      // test_exclusion_multiday_partial_first_day_open_exclusion_second_day: no step two after the exclusion.
      track('open', 'step one', second(0)),
      track('open', 'step one', second(86_430)),
      track('open', 'exclusion', second(86_431)),
    ]);
    // The same rule, so partial goes or stays with completion; open (excluded, no step past it) always stays.
    expect(counts(await runFunnel(db, spec))).toEqual([completion[0] + 1, 0]);
    expect(await funnelPersons(db, spec, 0, 'reached')).toEqual(completion[0] === 1 ? ['open', 'partial'] : ['open']);
  });

  it.each(['sequential', 'strict'] as const)('in %s order, a clean attempt as far as the excluded one got keeps the person', async (order) => {
    const db = stores[engine];
    await loadRows(db, [
      // Excluded between a and b, so it reaches b (one step past the exclusion); the clean retry also reaches b.
      track('caught-up', 'a', hour(0)),
      track('caught-up', 'x', hour(0, 1)),
      track('caught-up', 'b', hour(0, 2)),
      track('caught-up', 'c', hour(0, 3)),
      track('caught-up', 'a', hour(5)),
      track('caught-up', 'b', hour(5, 10)),
      // Excluded after b; the clean retry stops at a.
      track('fell-short', 'a', hour(0)),
      track('fell-short', 'b', hour(0, 1)),
      track('fell-short', 'x', hour(0, 2)),
      track('fell-short', 'a', hour(5)),
    ]);
    const spec: FunnelSpecInput = {
      steps: [{ event: 'a' }, { event: 'b' }, { event: 'c' }],
      order,
      window: { value: 1, unit: 'hour' },
      exclusions: [{ event: 'x', fromStep: 0, toStep: 2 }],
    };
    const result = await runFunnel(db, spec);
    expect(counts(result)).toEqual([1, 1, 0]);
    expect(times(result)[1]).toEqual([600, 600]);
    expect(await funnelPersons(db, spec, 2, 'dropped')).toEqual(['caught-up']);
    expect(counts(await runFunnel(db, { ...spec, count: 'totals' }))).toEqual([2, 1, 0]);
  });

  it.each(FUNNEL_ORDERS)('breaks a person down by the clean attempt that counts, not the excluded one (%s order)', async (order) => {
    const db = stores[engine];
    await loadRows(db, [
      track('switched', 'step one', second(0), { browser: 'Chrome' }),
      track('switched', 'exclusion', second(1)),
      track('switched', 'step two', second(5)),
      track('switched', 'step one', second(3600), { browser: 'Safari' }),
      track('switched', 'step two', second(3620)),
      track('excluded', 'step one', second(0), { browser: 'Chrome' }),
      track('excluded', 'exclusion', second(2)),
      track('excluded', 'step two', second(4)),
      track('clean', 'step one', second(0), { browser: 'Chrome' }),
      track('clean', 'step two', second(10)),
    ]);
    const spec: FunnelSpecInput = { ...twoSteps, order, window: { value: 30, unit: 'second' }, breakdown: { property: 'browser' } };
    const result = await runFunnel(db, spec);
    // In any order the step-two event after an exclusion starts a clean attempt of its own, without a browser.
    const afterExclusion = order === 'any' ? [[null, [1, 0], null]] : [];
    expect(counts(result)).toEqual(order === 'any' ? [3, 2] : [2, 2]);
    expect(result.breakdown!.map((b) => [b.value, counts(b), b.steps[1]!.avgTimeToConvertSeconds])).toEqual([
      ['Chrome', [1, 1], 10],
      ['Safari', [1, 1], 20],
      ...afterExclusion,
    ]);
  });

  it('search -> search -> watch: a repeated first step that is also the exclusion starts a clean attempt', async () => {
    const db = stores[engine];
    await loadRows(db, [
      track('twice', 'search', '2024-01-01T00:00:00Z'),
      track('twice', 'search', '2024-01-01T00:00:10Z'),
      track('twice', 'watch', '2024-01-01T00:00:20Z'),
      track('once', 'search', '2024-01-01T00:00:00Z'),
      track('once', 'watch', '2024-01-01T00:00:20Z'),
    ]);
    const spec: FunnelSpecInput = { steps: [{ event: 'search' }, { event: 'watch' }], exclusions: [{ event: 'search', fromStep: 0, toStep: 1 }] };
    const result = await runFunnel(db, spec);
    expect(counts(result)).toEqual([2, 2]);
    expect(times(result)[1]).toEqual([15, 15]);
    expect(counts(await runFunnel(db, { ...spec, count: 'totals' }))).toEqual([2, 2]);
  });
});
