import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { ev, loadRows, track } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { runRetention, type RetentionSpecInput } from './retention';
import { offsetSpans } from './time-zone';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
});
afterAll(async () => store?.close());

const base: RetentionSpecInput = { startEvent: { event: 'signup' }, returnEvent: { event: 'visit' }, period: 'day', periods: 4 };

describe('retention', () => {
  it('counts returns per day with values[0] the cohort size, truncated at the end of the range', async () => {
    await loadRows(store, [
      track('u1', 'signup', '2024-01-01T10:00:00Z'),
      track('u1', 'visit', '2024-01-02T10:00:00Z'),
      track('u1', 'visit', '2024-01-04T10:00:00Z'),
      track('u2', 'signup', '2024-01-01T11:00:00Z'),
      track('u2', 'visit', '2024-01-01T12:00:00Z'),
      track('u3', 'signup', '2024-01-03T09:00:00Z'),
      track('u3', 'visit', '2024-01-04T09:00:00Z'),
    ]);
    const result = await runRetention(store, base);
    expect(result.cohorts).toEqual([
      { start: '2024-01-01', size: 2, values: [2, 1, 0, 1], percentages: [1, 0.5, 0, 0.5] },
      { start: '2024-01-02', size: 0, values: [0, 0, 0], percentages: [0, 0, 0] },
      { start: '2024-01-03', size: 1, values: [1, 1], percentages: [1, 1] },
      { start: '2024-01-04', size: 0, values: [0], percentages: [0] },
    ]);
    const after = await runRetention(store, { ...base, criterion: 'on_or_after' });
    expect(after.cohorts[0]!.values).toEqual([2, 1, 1, 1]);
  });

  it('puts events just before and at UTC midnight in different day cohorts', async () => {
    await loadRows(store, [
      track('u1', 'signup', '2024-01-01T23:59:59.999Z'),
      track('u1', 'visit', '2024-01-02T00:00:00.000Z'),
      track('u2', 'signup', '2024-01-02T00:00:00.000Z'),
      track('u2', 'visit', '2024-01-02T23:59:59.999Z'),
    ]);
    const result = await runRetention(store, { ...base, to: '2024-01-03' });
    expect(result.cohorts.map((c) => [c.start, c.values])).toEqual([
      ['2024-01-01', [1, 1, 0]],
      ['2024-01-02', [1, 0]],
      ['2024-01-03', [0]],
    ]);
  });

  it('merges an alias-linked anonymous id into the person (and does not without identity merging)', async () => {
    await loadRows(store, [
      ev({ at: '2024-01-01T10:00:00Z', event: 'signup', anonymous_id: 'anon-1' }),
      ev({ at: '2024-01-01T10:05:00Z', type: 'alias', event: 'alias', previous_id: 'anon-1', user_id: 'user-1' }),
      track('user-1', 'visit', '2024-01-03T10:00:00Z'),
    ]);
    const merged = await runRetention(store, base);
    expect(merged.cohorts[0]).toMatchObject({ start: '2024-01-01', size: 1, values: [1, 0, 1] });
    const raw = await runRetention(store, { ...base, identity: 'none' });
    expect(raw.cohorts[0]).toMatchObject({ start: '2024-01-01', size: 1, values: [1, 0, 0] });
  });

  it('starts weeks on Monday by default and on Sunday with weekStart', async () => {
    // 2024-01-07 is a Sunday.
    await loadRows(store, [track('u1', 'signup', '2024-01-07T12:00:00Z'), track('u1', 'visit', '2024-01-08T12:00:00Z')]);
    const monday = await runRetention(store, { ...base, period: 'week', periods: 2 });
    expect(monday.cohorts).toEqual([
      { start: '2024-01-01', size: 1, values: [1, 1], percentages: [1, 1] },
      { start: '2024-01-08', size: 0, values: [0], percentages: [0] },
    ]);
    const sunday = await runRetention(store, { ...base, period: 'week', periods: 2, weekStart: 'sunday' });
    expect(sunday.cohorts).toEqual([{ start: '2024-01-07', size: 1, values: [1], percentages: [1] }]);
  });

  it('buckets by local calendar days with a time zone, across a DST change', async () => {
    await loadRows(store, [
      track('u1', 'signup', '2024-01-01T10:00:00Z'), // 18:00 in Shanghai
      track('u1', 'visit', '2024-01-01T17:00:00Z'), // 01:00 next day in Shanghai
      track('u2', 'signup', '2024-03-10T04:30:00Z'), // 23:30 EST, 9 March in New York
      track('u2', 'visit', '2024-03-10T07:30:00Z'), // 03:30 EDT, 10 March (clocks went forward at 02:00)
    ]);
    const utc = await runRetention(store, { ...base, to: '2024-01-02', periods: 2 });
    expect(utc.cohorts[0]).toMatchObject({ start: '2024-01-01', values: [1, 0] });
    const shanghai = await runRetention(store, { ...base, to: '2024-01-02', periods: 2, timeZone: 'Asia/Shanghai' });
    expect(shanghai.cohorts[0]).toMatchObject({ start: '2024-01-01', values: [1, 1] });
    // from / to stay UTC instants; give an offset to bound by local time.
    const newYork = await runRetention(store, { ...base, from: '2024-03-09T00:00:00-05:00', to: '2024-03-10T23:59:59-04:00', periods: 2, timeZone: 'America/New_York' });
    expect(newYork.cohorts).toEqual([
      { start: '2024-03-09', size: 1, values: [1, 1], percentages: [1, 1] },
      { start: '2024-03-10', size: 0, values: [0], percentages: [0] },
    ]);
    expect(offsetSpans('America/New_York', Date.UTC(2024, 2, 9), Date.UTC(2024, 2, 11))).toEqual([
      { fromMs: Date.UTC(2024, 2, 8), offsetMinutes: -300 },
      { fromMs: Date.UTC(2024, 2, 10, 7), offsetMinutes: -240 },
    ]);
  });

  it('first_time puts a person only in the cohort of their first start event; recurring in each', async () => {
    await loadRows(store, [
      track('u1', 'signup', '2024-01-01T10:00:00Z'),
      track('u1', 'signup', '2024-01-02T10:00:00Z'),
      track('u1', 'visit', '2024-01-03T10:00:00Z'),
    ]);
    const recurring = await runRetention(store, { ...base, startEvent: { event: 'signup' } });
    expect(recurring.cohorts.map((c) => c.values)).toEqual([[1, 0, 1], [1, 1], [0]]);
    const firstTime = await runRetention(store, { ...base, mode: 'first_time' });
    expect(firstTime.cohorts.map((c) => c.values)).toEqual([[1, 0, 1], [0, 0], [0]]);
    const later = await runRetention(store, { ...base, mode: 'first_time', from: '2024-01-02' });
    expect(later.cohorts.map((c) => c.size)).toEqual([0, 0]);
  });

  it('breaks down by a property of the start event', async () => {
    await loadRows(store, [
      track('u1', 'signup', '2024-01-01T10:00:00Z', { country: 'CN' }),
      track('u1', 'visit', '2024-01-02T10:00:00Z'),
      track('u2', 'signup', '2024-01-01T10:00:00Z', { country: 'US' }),
      track('u3', 'signup', '2024-01-01T10:00:00Z', { country: 'CN' }),
    ]);
    const result = await runRetention(store, { ...base, periods: 2, breakdown: { property: 'country' } });
    expect(result.breakdown).toEqual([
      { value: 'CN', cohorts: [{ start: '2024-01-01', size: 2, values: [2, 1], percentages: [1, 0.5] }, { start: '2024-01-02', size: 0, values: [0], percentages: [0] }] },
      { value: 'US', cohorts: [{ start: '2024-01-01', size: 1, values: [1, 0], percentages: [1, 0] }, { start: '2024-01-02', size: 0, values: [0], percentages: [0] }] },
    ]);
  });

  it('filters start and return events by properties and months', async () => {
    await loadRows(store, [
      track('u1', 'signup', '2024-01-31T10:00:00Z', { properties: { plan: 'pro' } }),
      track('u1', 'visit', '2024-02-01T10:00:00Z', { properties: { source: 'app' } }),
      track('u2', 'signup', '2024-01-15T10:00:00Z', { properties: { plan: 'free' } }),
      track('u2', 'visit', '2024-02-15T10:00:00Z', { properties: { source: 'web' } }),
    ]);
    const result = await runRetention(store, {
      startEvent: { event: 'signup', where: [{ property: 'plan', op: 'eq', value: 'pro' }] },
      returnEvent: { event: 'visit', where: [{ property: 'source', op: 'eq', value: 'app' }] },
      period: 'month',
      periods: 3,
    });
    expect(result.cohorts).toEqual([
      { start: '2024-01-01', size: 1, values: [1, 1], percentages: [1, 1] },
      { start: '2024-02-01', size: 0, values: [0], percentages: [0] },
    ]);
  });
});
