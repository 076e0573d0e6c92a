import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineKind, EventStore } from '../connectors/node/event-store';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { demoRows, ev, loadRows, track } from '../testing/event-rows';
import type { EventRow } from '../schema/event-columns';
import { runAttribution } from './attribution';
import { runBasket } from './basket';
import { describeBasis, type AnalysisBasis, type BasisCounts } from './basis';
import { runCampaignLift } from './campaign-lift';
import { runDataQuality } from './data-quality';
import { runExperiment } from './experiment';
import { runFunnel } from './funnel';
import { runPaths } from './paths';
import { INVALID_QUALITY_FLAGS } from './quality-gate';
import { runRetention } from './retention';
import { runRfm } from './rfm';
import { runSegment } from './segments';

const stores = {} as Record<EngineKind, EventStore>;
beforeAll(async () => {
  stores.wasm = await openWasmStore();
  stores.native = await openNativeStore({ threads: 1 });
});
afterAll(async () => Promise.all([stores.wasm?.close(), stores.native?.close()]));

const order = (user: string, at: string, orderId: string, rest: Partial<EventRow> = {}) =>
  track(user, 'Order Completed', at, { order_id: orderId, revenue: 10, properties: { products: [{ product_id: 'p1' }, { product_id: 'p2' }] }, ...rest });

/**
 * Analysed range 2024-01-02 to 2024-01-03. u1 is also the anonymous id a1 (identified on 01-01, before the range);
 * a2 is never identified; u3's only event in the range is an order whose revenue could not be read; u4's order
 * carries ordinary flags; u5 is only seen after the range.
 */
function rows(): EventRow[] {
  return [
    ev({ at: '2024-01-01T09:00:00Z', type: 'identify', event: 'identify', anonymous_id: 'a1', user_id: 'u1' }),
    track('u1', 'visit', '2024-01-01T10:00:00Z'),
    track('u1', 'visit', '2024-01-02T10:00:00Z'),
    order('u1', '2024-01-02T11:00:00Z', 'o1'),
    ev({ at: '2024-01-02T12:00:00Z', event: 'visit', anonymous_id: 'a1' }),
    ev({ at: '2024-01-03T10:00:00Z', event: 'visit', anonymous_id: 'a2' }),
    order('u3', '2024-01-03T12:00:00Z', 'o2', { revenue: null, quality_flags: 'invalid_number' }),
    track('u3', 'visit', '2024-01-05T10:00:00Z'),
    order('u4', '2024-01-03T13:00:00Z', 'o3', { quality_flags: 'late,pii_scrubbed' }),
    track('u5', 'visit', '2024-01-10T10:00:00Z'),
  ];
}

const range = { from: '2024-01-02', to: '2024-01-03' };
const counts = (loaded: number, considered: number, flagged: number, outOfRange: number, leftOut: number): BasisCounts => ({ loaded, considered, flagged, excluded: { outOfRange, flagged: leftOut } });

function expected(includeFlagged: boolean, identity: 'merged' | 'none' = 'merged'): AnalysisBasis {
  const leftOut = includeFlagged ? 0 : 1;
  // identity none: a1 is a person of its own, and an unlinked one
  const persons = identity === 'merged' ? { loaded: 5, considered: 3, unlinked: 1 } : { loaded: 6, considered: 4, unlinked: 2 };
  return {
    range: { from: '2024-01-02T00:00:00.000Z', to: '2024-01-03T23:59:59.999Z' },
    identity,
    includeFlagged,
    events: counts(10, 6 - leftOut, 1, 4, leftOut),
    persons: { ...counts(persons.loaded, persons.considered + 1 - leftOut, 1, 1, leftOut), unlinked: persons.unlinked, visitors: 4 + 1 - leftOut },
  };
}

describe.each(['wasm', 'native'] as const)('the basis of a result on %s', (engine) => {
  it('counts events and persons outside the range, flagged as invalid and never identified', async () => {
    const store = stores[engine];
    await loadRows(store, rows());
    const funnel = await runFunnel(store, { steps: [{ event: 'visit' }, { event: 'Order Completed' }], ...range });
    expect(funnel.basis).toEqual(expected(false));
    expect(funnel.steps.map((s) => s.count)).toEqual([2, 1]);

    const none = await runFunnel(store, { steps: [{ event: 'visit' }, { event: 'Order Completed' }], ...range, identity: 'none' });
    expect(none.basis).toEqual(expected(false, 'none'));
  });

  it('includeFlagged puts the flagged rows back, in the result and in the basis', async () => {
    const store = stores[engine];
    await loadRows(store, rows());
    const left = await runRfm(store, { ...range, asOf: '2024-01-03' });
    const kept = await runRfm(store, { ...range, asOf: '2024-01-03', includeFlagged: true });
    expect(left.persons.map((p) => p.person).sort()).toEqual(['u1', 'u4']);
    expect(kept.persons.map((p) => p.person).sort()).toEqual(['u1', 'u3', 'u4']);
    expect(left.basis).toEqual({ ...expected(false), orders: { ...counts(3, 2, 1, 0, 1), events: ['Order Completed'] } });
    expect(kept.basis).toEqual({ ...expected(true), orders: { ...counts(3, 3, 1, 0, 0), events: ['Order Completed'] } });
    // A reader can check the orders against the result: every considered order is in some buyer's frequency.
    for (const result of [left, kept]) expect(result.persons.reduce((sum, p) => sum + p.frequency, 0)).toBe(result.basis.orders!.considered);
  });

  it('is attached to every analysis, each reading its own span of time', async () => {
    const store = stores[engine];
    const exposures = [
      track('u1', 'Experiment Viewed', '2024-01-02T09:00:00Z', { experiment: 'x', variant: 'control' }),
      track('u4', 'Experiment Viewed', '2024-01-03T09:00:00Z', { experiment: 'x', variant: 'treatment' }),
    ];
    await loadRows(store, [...rows(), ...exposures]);
    const withExposure = (basis: AnalysisBasis, add: number) => ({ ...basis.events, loaded: basis.events.loaded - add, considered: basis.events.considered - add });
    const results = {
      retention: await runRetention(store, { startEvent: { event: 'visit' }, returnEvent: { event: 'visit' }, ...range }),
      paths: await runPaths(store, { start: { event: 'visit' }, ...range }),
      segment: await runSegment(store, { condition: { type: 'behaviour', event: 'visit' }, ...range }),
      basket: await runBasket(store, { minSupport: 0.5, ...range }),
      experiment: await runExperiment(store, { experiment: 'x', ...range }),
    };
    for (const [name, result] of Object.entries(results)) {
      expect(withExposure(result.basis, 2), name).toEqual(expected(false).events);
      expect(result.basis.persons.considered, name).toBe(3);
    }
    expect(results.basket.basis.orders).toEqual({ ...counts(3, 2, 1, 0, 1), events: ['Order Completed'] });
    expect(results.basket.baskets).toBe(2);

    // Touchpoints are read from the lookback before `from`: one day back takes in the events of 01-01.
    const attribution = await runAttribution(store, { touch: { event: 'visit' }, lookback: { value: 1, unit: 'day' }, ...range });
    expect(attribution.basis.range).toEqual({ from: '2024-01-01T00:00:00.000Z', to: '2024-01-03T23:59:59.999Z' });
    expect(attribution.basis.events.excluded.outOfRange).toBe(2);
    expect(attribution.basis.orders).toEqual({ ...counts(3, 2, 1, 0, 1), events: ['Order Completed'] });
    expect(attribution.totals.conversions).toBe(2);

    // Two periods: the events of both, not of the days between.
    const lift = await runCampaignLift(store, { baseline: { from: '2024-01-01', to: '2024-01-01' }, campaign: { from: '2024-01-03', to: '2024-01-03' } });
    expect(lift.basis.range).toEqual({ from: '2024-01-01T00:00:00.000Z', to: '2024-01-03T23:59:59.999Z' });
    expect(lift.basis.events).toEqual(counts(12, 5, 1, 6, 1));
    expect(lift.campaign.conversions + lift.baseline.conversions).toBe(lift.basis.orders!.considered);

    // Data quality is about flagged rows: it always reads them.
    const quality = await runDataQuality(store, range);
    expect(quality.basis.includeFlagged).toBe(true);
    expect(quality.basis.events.considered).toBe(quality.events);
  });

  it('leaves only invalid flags out: ordinary corrections keep their rows', async () => {
    const store = stores[engine];
    await loadRows(store, [
      order('u1', '2024-01-02T10:00:00Z', 'o1', { quality_flags: 'clock_skew_corrected,late,pii_scrubbed,query_params_dropped,timestamp_missing,value_truncated' }),
      order('u2', '2024-01-02T10:00:00Z', 'o2', { quality_flags: 'invalid_number,late' }),
    ]);
    const result = await runRfm(store, {});
    expect(result.persons.map((p) => p.person)).toEqual(['u1']);
    // RFM reads every order up to the end of asOf's day, by default the day of the last event.
    expect(result.basis.range).toEqual({ from: null, to: '2024-01-02T23:59:59.999Z' });
    expect(result.basis.events).toEqual(counts(2, 1, 1, 0, 1));
  });
});

describe('describeBasis', () => {
  it('says in plain words what was read and what was left out, and why', () => {
    const basis: AnalysisBasis = { ...expected(false), orders: { ...counts(3, 2, 1, 0, 1), events: ['Order Completed'] } };
    expect(describeBasis(basis)).toEqual([
      '2024-01-02 to 2024-01-03 (UTC): 5 of 10 loaded events (left out: 4 outside the range, 1 flagged as invalid).',
      '3 persons (ids linked by identify and alias are one person; 1 never identified), 4 visitor ids as the overview counts visitors.',
      '2 orders (Order Completed) of 3 (left out: 1 flagged as invalid).',
      'Rows flagged as invalid (a price, quantity or revenue that could not be read) are left out.',
    ]);
    const all: AnalysisBasis = { range: null, identity: 'none', includeFlagged: true, events: counts(10, 10, 1, 0, 0), persons: { ...counts(6, 6, 1, 0, 0), unlinked: 2, visitors: 6 } };
    expect(describeBasis(all)).toEqual([
      'all loaded data: 10 of 10 loaded events.',
      '6 persons (identity "none": each user id, else anonymous id, is a person), 6 visitor ids as the overview counts visitors.',
      'Rows flagged as invalid are included: 1 event.',
    ]);
  });
});

describe('the demo data', () => {
  it('has no row the analyses leave out', async () => {
    const flagged = (await demoRows()).filter((row) => INVALID_QUALITY_FLAGS.some((flag) => row.quality_flags.split(',').includes(flag)));
    expect(flagged).toEqual([]);
  });
});
