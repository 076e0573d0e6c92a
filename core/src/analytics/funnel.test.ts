import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { ev, loadRows, track } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { funnelPersons, parseFunnelSpec, runFunnel, type FunnelSpecInput } from './funnel';
import { SpecError } from './spec';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
});
afterAll(async () => store?.close());

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

  it('removes a person for an exclusion in an earlier attempt even when a later attempt is clean (as PostHog does)', async () => {
    // "search -> search -> watch": the person who searched twice is out.
    await loadRows(store, [
      track('twice', 'search', '2024-01-01T00:00:00Z'),
      track('twice', 'search', '2024-01-01T00:00:10Z'),
      track('twice', 'watch', '2024-01-01T00:00:20Z'),
      track('once', 'search', '2024-01-01T00:00:00Z'),
      track('once', 'watch', '2024-01-01T00:00:20Z'),
    ]);
    const spec: FunnelSpecInput = { steps: [{ event: 'search' }, { event: 'watch' }], exclusions: [{ event: 'search', fromStep: 0, toStep: 1 }] };
    expect(counts(await runFunnel(store, spec))).toEqual([1, 1]);
    // Counting attempts instead, the clean second attempt of "twice" counts.
    expect(counts(await runFunnel(store, { ...spec, count: 'totals' }))).toEqual([2, 2]);
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
