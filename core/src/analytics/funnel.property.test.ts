/**
 * Property-based test: the SQL funnel agrees with the plain TypeScript reference (funnel.reference.ts)
 * on random event streams, for all three orders, both count modes, exclusions, filters and
 * breakdowns. Seeded, so a failure names a reproducible case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../demo-data/random';
import type { EventStore } from '../connectors/node/event-store';
import { ev, loadRows } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import type { EventRow } from '../schema/event-columns';
import { isChainFunnel, parseFunnelSpec, runFunnel, type FunnelResult, type FunnelSpecInput } from './funnel';
import { referenceFunnel, type ReferenceEvent } from '../testing/funnel-reference';
import type { EventMatcher } from './sql';

const STREAMS = 12;
const SPECS_PER_STREAM = 25;
const EVENTS = ['a', 'b', 'c', 'd'];
const BASE = Date.UTC(2024, 0, 1);

function randomStream(rng: Random): { rows: EventRow[]; reference: ReferenceEvent[] } {
  const rows: EventRow[] = [];
  const reference: ReferenceEvent[] = [];
  const persons = rng.int(3, 12);
  for (let p = 0; p < persons; p++) {
    const person = `p${p}`;
    let t = BASE + rng.int(0, 3) * 60_000;
    const count = rng.int(1, 14);
    for (let i = 0; i < count; i++) {
      // Repeated timestamps on purpose: ties must order the same way in SQL and in the reference.
      if (!rng.chance(0.2)) t += rng.int(1, 40) * 60_000;
      const event = EVENTS[rng.int(0, EVENTS.length - 1)]!;
      const plan = rng.chance(0.3) ? null : rng.chance(0.5) ? 'x' : 'y';
      const row = ev({ at: new Date(t).toISOString(), event, user_id: person, properties: plan === null ? {} : { plan } });
      rows.push(row);
      reference.push({ person, ts: t, id: row.event_id, event, properties: { plan } });
    }
  }
  return { rows, reference };
}

function randomMatcher(rng: Random): EventMatcher {
  const event = EVENTS[rng.int(0, EVENTS.length - 1)]!;
  if (!rng.chance(0.25)) return { event };
  return { event, where: [rng.chance(0.7) ? { property: 'plan', op: 'eq', value: rng.chance(0.5) ? 'x' : 'y' } : { property: 'plan', op: 'is_set' }] };
}

function randomSpec(rng: Random): FunnelSpecInput {
  const order = (['sequential', 'strict', 'any'] as const)[rng.int(0, 2)]!;
  const n = rng.int(2, 4);
  const steps = Array.from({ length: n }, () => randomMatcher(rng));
  const spec: FunnelSpecInput = {
    steps,
    order,
    window: { value: rng.int(10, 240), unit: 'minute' },
    count: rng.chance(0.7) ? 'persons' : 'totals',
    identity: 'none',
  };
  if (rng.chance(0.35)) {
    const fromStep = order === 'any' ? 0 : rng.int(0, n - 2);
    const toStep = order === 'any' ? n - 1 : rng.int(fromStep + 1, n - 1);
    spec.exclusions = [{ ...randomMatcher(rng), fromStep, toStep }];
  }
  if (rng.chance(0.3)) spec.breakdown = { property: 'plan' };
  if (rng.chance(0.2)) spec.from = new Date(BASE + rng.int(0, 60) * 60_000).toISOString();
  return spec;
}

/** A sequential funnel of different events without exclusions: the plan of chainUnitsSql. */
function randomChainSpec(rng: Random): FunnelSpecInput {
  const events = [...EVENTS];
  const n = rng.int(2, 4);
  const steps = Array.from({ length: n }, () => {
    const event = events.splice(rng.int(0, events.length - 1), 1)[0]!;
    return { ...randomMatcher(rng), event };
  });
  const spec: FunnelSpecInput = { steps, window: { value: rng.int(10, 240), unit: 'minute' }, count: rng.chance(0.7) ? 'persons' : 'totals', identity: 'none' };
  if (rng.chance(0.4)) spec.breakdown = { property: 'plan' };
  if (rng.chance(0.2)) spec.from = new Date(BASE + rng.int(0, 60) * 60_000).toISOString();
  return spec;
}

function rounded(result: FunnelResult): unknown {
  // the reference computes no basis
  return JSON.parse(JSON.stringify({ ...result, basis: undefined }, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e6) / 1e6 : v)));
}

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
});
afterAll(async () => store?.close());

describe.each([
  { plan: 'any plan', seed: 4242, draw: randomSpec },
  { plan: 'sequential funnels of different events (chainUnitsSql)', seed: 5151, draw: randomChainSpec },
])('SQL funnel vs TypeScript reference: $plan', ({ seed, draw }) => {
  for (let s = 0; s < STREAMS; s++) {
    it(`stream ${s}: ${SPECS_PER_STREAM} random specs agree`, async () => {
      const rng = new Random(seed, s);
      const { rows, reference } = randomStream(rng);
      await loadRows(store, rows);
      for (let c = 0; c < SPECS_PER_STREAM; c++) {
        const input = draw(rng);
        if (draw === randomChainSpec) expect(isChainFunnel(parseFunnelSpec(input))).toBe(true);
        const spec = parseFunnelSpec(input);
        const expected = referenceFunnel(reference, spec);
        const actual = await runFunnel(store, spec);
        expect(rounded(actual), `stream ${s} case ${c}: ${JSON.stringify(input)}`).toEqual(rounded(expected));
      }
    });
  }
});
