import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { ev, loadRows, track } from '../testing/event-rows';
import { runDataQuality } from './data-quality';
import { tagCoverage } from './tag-coverage';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
  await loadRows(store, [
    ev({ at: '2024-01-01T00:00:00Z', type: 'identify', event: 'identify', user_id: 'u1', properties: { gender: 'female', birth_year: 1990, city: 'Shanghai', tier: 'gold', source: 'import' } }),
    track('u1', 'Order Completed', '2024-01-10T00:00:00Z', { order_id: 'o1', revenue: 10, category: 'shoes', channel: 'web' }),
    ev({ at: '2024-01-02T00:00:00Z', type: 'identify', event: 'identify', user_id: 'u2', properties: { gender: 'male', source: 'import' } }),
    track('u2', 'page', '2024-01-11T00:00:00Z'),
    ev({ at: '2024-01-12T00:00:00Z', type: 'page', event: 'page', anonymous_id: 'v' }),
    track('u3', 'Order Completed', '2024-01-13T00:00:00Z', { order_id: 'o2', revenue: 20 }),
  ]);
});
afterAll(async () => store?.close());

const options = { orderEvent: { event: 'Order Completed' }, revenueProperty: 'revenue', lifecycle: { newDays: 7, activeDays: 30, churnDays: 90 }, identity: 'merged' as const };

describe('tag coverage', () => {
  it('reports the share of persons with each tag and declared attribute against the 92% requirement', async () => {
    const coverage = await tagCoverage(store, options, Date.parse('2024-02-01T00:00:00Z'));
    expect(coverage.persons).toBe(4);
    expect(coverage.target).toBe(0.92);
    expect(Object.fromEntries(coverage.entries.map((e) => [e.name, [e.source, e.persons, e.share, e.meetsTarget]]))).toEqual({
      first_seen: ['tag', 4, 1, true],
      last_seen: ['tag', 4, 1, true],
      lifecycle: ['tag', 4, 1, true],
      order_count: ['tag', 4, 1, true],
      revenue: ['tag', 4, 1, true],
      aov: ['tag', 2, 0.5, false], // u1, u3 bought
      preferred_category: ['tag', 1, 0.25, false],
      preferred_channel: ['tag', 4, 1, true], // every row has a channel ("direct" when nothing else)
      rfm_tier: ['tag', 2, 0.5, false],
      gender: ['attribute', 2, 0.5, false],
      birth_year: ['attribute', 1, 0.25, false],
      age_band: ['attribute', 1, 0.25, false],
      city: ['attribute', 1, 0.25, false],
      tier: ['attribute', 1, 0.25, false],
      registration_store: ['attribute', 0, 0, false],
    });
    expect(coverage.met).toBe(6);
    // as of a day when only u1 and u2 had declared themselves: both have a gender
    const early = await tagCoverage(store, options, Date.parse('2024-01-03T00:00:00Z'));
    expect(early.persons).toBe(2);
    expect(early.entries.find((e) => e.name === 'gender')).toEqual({ name: 'gender', source: 'attribute', persons: 2, share: 1, meetsTarget: true });
  });

  it('is part of the data-quality report, as of its `to`', async () => {
    const report = await runDataQuality(store, { to: '2024-01-02' });
    expect(report.tagCoverage.asOf).toBe('2024-01-02T23:59:59.999Z');
    expect(report.tagCoverage.persons).toBe(2);
    expect(report.tagCoverage.entries.find((e) => e.name === 'age_band')?.persons).toBe(1);
  });
});
