/**
 * DuckDB-Wasm and native DuckDB run the identical SQL: every analysis gives the same result on both,
 * on demo data loaded through the two engines' own Parquet paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYSIS_NAMES, runAnalysis, type AnalysisName } from '../../web/src/lib/analytics/index';
import type { EventStore } from './event-store';
import { canonical, openDemoEnginePair } from './testing';

const SPECS: Record<AnalysisName, unknown> = {
  funnel: { steps: [{ event: 'page' }, { event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Order Completed' }], breakdown: { property: 'device_type' } },
  retention: { startEvent: { event: 'page' }, returnEvent: { event: 'Product Viewed' }, period: 'week', periods: 4, timeZone: 'Asia/Shanghai' },
  paths: { start: { event: 'Product Added' }, steps: 4 },
  segment: { condition: { or: [{ type: 'behaviour', event: 'Product Viewed', atLeast: 3, withinDays: 14 }, { type: 'tag', tag: 'lifecycle', op: 'eq', value: 'new' }] } },
  rfm: {},
};

let wasm: EventStore;
let native: EventStore;
beforeAll(async () => {
  ({ wasm, native } = await openDemoEnginePair());
});
afterAll(async () => Promise.all([wasm?.close(), native?.close()]));

describe('DuckDB-Wasm and native DuckDB agree', () => {
  it('on the loaded events and the person map', async () => {
    const digest = 'SELECT count(*)::BIGINT AS n, count(DISTINCT person_id)::BIGINT AS persons, (SELECT sum(revenue) FROM events) AS revenue FROM person_map';
    expect(await native.query(digest)).toEqual(await wasm.query(digest));
  });
  for (const name of ANALYSIS_NAMES) {
    it(name, async () => {
      const [a, b] = [await runAnalysis(name, wasm, SPECS[name]), await runAnalysis(name, native, SPECS[name])];
      expect(canonical(b)).toEqual(canonical(a));
      expect(JSON.stringify(a).length).toBeGreaterThan(100);
    });
  }
});
