import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { ev, loadRows, track } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { parseAttributionSpec, runAttribution, type AttributionResult, type AttributionSpecInput } from './attribution';
import { SpecError } from './spec';

const stores: Record<'wasm' | 'native', EventStore> = {} as never;
beforeAll(async () => {
  stores.wasm = await openWasmStore();
  stores.native = await openNativeStore({ threads: 1 });
});
afterAll(async () => Promise.all([stores.wasm?.close(), stores.native?.close()]));

const page = (user: string, channel: string, at: string, session: string | null) => ev({ at, type: 'page', event: 'page', user_id: user, channel, session_id: session });
const order = (user: string, at: string, revenue: number) => track(user, 'Order Completed', at, { revenue });
const byChannel = (result: AttributionResult) => Object.fromEntries(result.channels.map((c) => [c.channel, c]));

/** The journeys of markov.test.ts "two channels, four journeys", as events. */
const markovExample = [
  page('p1', 'email', '2024-01-01T10:00:00Z', 's1'),
  page('p1', 'email', '2024-01-01T10:01:00Z', 's1'),
  page('p1', 'social', '2024-01-02T10:00:00Z', 's2'),
  order('p1', '2024-01-02T10:05:00Z', 100),
  page('p2', 'email', '2024-01-01T10:00:00Z', 's3'),
  page('p3', 'social', '2024-01-01T10:00:00Z', 's4'),
  order('p3', '2024-01-01T10:10:00Z', 50),
  page('p4', 'social', '2024-01-01T10:00:00Z', 's5'),
];

describe.each(['wasm', 'native'] as const)('attribution on %s', (engine) => {
  it('puts every model side by side on the hand-solved Markov example', async () => {
    await loadRows(stores[engine], markovExample);
    const result = await runAttribution(stores[engine], { conversion: { event: 'Order Completed' }, touch: { event: 'page', property: 'channel' }, halfLife: { value: 1, unit: 'day' } });
    expect(result.paths).toEqual({ converting: 2, nonConverting: 2, averageConvertingLength: 1.5 });
    expect(result.totals).toEqual({ conversions: 2, revenue: 150, attributedConversions: 2, attributedRevenue: 150, unattributedConversions: 0, unattributedRevenue: 0 });
    const { email, social } = byChannel(result);
    // p1 [email, social] 100, p3 [social] 50.
    expect(email!.conversions).toMatchObject({ first: 1, last: 0, last_non_direct: 0, linear: 0.5, position: 0.5 });
    expect(social!.conversions).toMatchObject({ first: 1, last: 2, last_non_direct: 2, linear: 1.5, position: 1.5 });
    expect(email!.revenue).toMatchObject({ first: 100, last: 0, linear: 50, position: 50 });
    // Time decay, half-life 1 day: email is 1 day older than social on p1: weights 1/3, 2/3.
    expect(email!.conversions.time_decay).toBeCloseTo(1 / 3, 12);
    expect(social!.revenue.time_decay).toBeCloseTo(50 + 200 / 3, 10);
    // Markov: removal effects 1/3 and 1, shares 1/4 and 3/4 of 2 conversions and 150 revenue.
    expect(result.markov!.conversionProbability).toBeCloseTo(0.5, 12);
    expect(result.markov!.removalEffects.email).toBeCloseTo(1 / 3, 12);
    expect(result.markov!.removalEffects.social).toBeCloseTo(1, 12);
    expect(email!.conversions.markov).toBeCloseTo(0.5, 12);
    expect(social!.conversions.markov).toBeCloseTo(1.5, 12);
    expect(email!.revenue.markov).toBeCloseTo(37.5, 10);
    expect(email!.touchpoints).toBe(2);
    expect(social!.touchpoints).toBe(3);
    expect(result.channels.map((c) => c.channel)).toEqual(['social', 'email']);
  });

  it('computes CPA, ROAS and ROI per model from a spend CSV and flags ROI below 1', async () => {
    await loadRows(stores[engine], markovExample);
    const spendCsv = 'date,channel,spend\n2024-01-01,email,50\n2024-01-02,social,100\n2023-12-01,social,999\n2024-01-03,display,10\n';
    const result = await runAttribution(stores[engine], { models: ['first', 'markov'], touch: { event: 'page' }, from: '2024-01-01', to: '2024-01-31', spend: 'spend.csv' }, { spendCsv });
    const { email, social, display } = byChannel(result);
    expect(result.spend).toEqual({ total: 160, rowsUsed: 3, rowsOutsideRange: 1, margin: 1, channelsWithoutTouches: ['display'], source: 'csv' });
    expect(email!.spend).toBe(50);
    expect(email!.cpa!.markov).toBeCloseTo(100, 10);
    expect(email!.roas!.first).toBe(2);
    expect(email!.roi!.markov).toBeCloseTo(0.75, 12);
    expect(email!.roiBelowOne).toEqual(['markov']);
    expect(social!.roi).toMatchObject({ first: 0.5 });
    expect(social!.roi!.markov).toBeCloseTo(1.125, 12);
    expect(social!.roiBelowOne).toEqual(['first']);
    expect(display).toMatchObject({ touchpoints: 0, spend: 10, cpa: { first: null, markov: null }, roi: { first: 0, markov: 0 }, roiBelowOne: ['first', 'markov'] });
    await expect(runAttribution(stores[engine], { spend: 'spend.csv' })).rejects.toThrow(SpecError);
    await expect(runAttribution(stores[engine], { spend: 'spend.csv' }, { spendCsv: 'channel,spend\nemail,x\n' })).rejects.toThrow('spend.csv line 2, column 2 (spend)');
  });

  it('builds paths from sessions, the lookback window and the previous conversion', async () => {
    await loadRows(stores[engine], [
      // u1: no session ids, so a 30-minute gap starts a session; the direct page at 00:10 is inside the social session.
      page('u1', 'social', '2024-01-10T00:00:00Z', null),
      page('u1', 'direct', '2024-01-10T00:10:00Z', null),
      order('u1', '2024-01-10T00:20:00Z', 10),
      page('u1', 'direct', '2024-01-10T02:00:00Z', null),
      order('u1', '2024-01-10T02:05:00Z', 20),
      // u2: an email touch 24 days before the order, then direct.
      page('u2', 'email', '2024-01-01T00:00:00Z', 'a'),
      page('u2', 'direct', '2024-01-20T00:00:00Z', 'b'),
      order('u2', '2024-01-25T00:00:00Z', 40),
      // u3: an order without any touch.
      order('u3', '2024-01-10T00:00:00Z', 5),
      // u5: an anonymous visit, then identified: merged into one person.
      ev({ at: '2024-01-10T00:00:00Z', type: 'page', event: 'page', anonymous_id: 'a5', channel: 'display', session_id: 'x' }),
      ev({ at: '2024-01-10T00:01:00Z', type: 'identify', event: 'identify', anonymous_id: 'a5', user_id: 'u5' }),
      order('u5', '2024-01-10T00:02:00Z', 1),
    ]);
    const spec: AttributionSpecInput = { models: ['first', 'last', 'last_non_direct'], touch: { event: 'page' } };
    const result = await runAttribution(stores[engine], spec);
    expect(result.totals).toEqual({ conversions: 5, revenue: 76, attributedConversions: 4, attributedRevenue: 71, unattributedConversions: 1, unattributedRevenue: 5 });
    expect(result.paths).toEqual({ converting: 4, nonConverting: 0, averageConvertingLength: 5 / 4 });
    const channels = byChannel(result);
    expect(channels.social!.conversions).toEqual({ first: 1, last: 1, last_non_direct: 1 });
    expect(channels.direct!.conversions).toEqual({ first: 1, last: 2, last_non_direct: 1 });
    expect(channels.email!.conversions).toEqual({ first: 1, last: 0, last_non_direct: 1 });
    expect(channels.display!.conversions).toEqual({ first: 1, last: 1, last_non_direct: 1 });
    // A 10-day lookback drops u2's email touch.
    const short = await runAttribution(stores[engine], { ...spec, lookback: { value: 10, unit: 'day' } });
    expect(byChannel(short).email).toBeUndefined();
    // Without identity merging u5's touch belongs to another person.
    const unmerged = await runAttribution(stores[engine], { ...spec, identity: 'none' });
    expect(unmerged.totals.unattributedConversions).toBe(2);
    // A utm property as the touch dimension: missing values are "(none)".
    const bySource = await runAttribution(stores[engine], { ...spec, touch: { event: 'page', property: 'utm_source' } });
    expect(bySource.channels.map((c) => c.channel)).toEqual(['(none)']);
    // Conversions in [from, to] only; earlier touches still count through the lookback.
    const late = await runAttribution(stores[engine], { ...spec, from: '2024-01-25', to: '2024-01-31' });
    expect(late.totals.conversions).toBe(1);
    expect(byChannel(late).email!.conversions.first).toBe(1);
  });
});

describe('attribution spec', () => {
  it('applies the defaults of the issue and rejects bad input with its path', () => {
    const spec = parseAttributionSpec({ conversion: { event: 'Order Completed' }, touch: { event: 'page', property: 'channel' }, lookback: { value: 30, unit: 'day' }, models: ['first', 'last', 'linear', 'time_decay', 'position', 'markov'] });
    expect(spec.halfLife).toEqual({ value: 7, unit: 'day' });
    expect(spec.markov.order).toBe(1);
    expect(() => parseAttributionSpec({ models: ['first', 'first'] })).toThrow('spec.models[1]: model "first" is listed twice');
    expect(() => parseAttributionSpec({ models: ['shapley'] })).toThrow(/spec.models\[0\]: expected one of first, last, last_non_direct, linear, time_decay, position, markov; got "shapley"/);
    expect(() => parseAttributionSpec({ lookback: { value: 0, unit: 'day' } })).toThrow(SpecError);
  });
});
