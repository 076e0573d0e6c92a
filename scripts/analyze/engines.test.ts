/**
 * DuckDB-Wasm and native DuckDB run the identical SQL: every analysis gives the same result on both,
 * on demo data loaded through the two engines' own Parquet paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYSIS_NAMES, runAnalysis, type AnalysisName } from '@privacy-analytics/core/analytics';
import type { EventStore } from '@privacy-analytics/core/connectors/node';
import { canonical, openDemoEnginePair } from '@privacy-analytics/core/testing';
import { compactIfLarge } from '@privacy-analytics/core/engine';

const SPECS: Record<AnalysisName, unknown> = {
  funnel: { steps: [{ event: 'page' }, { event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Order Completed' }], breakdown: { property: 'device_type' } },
  retention: { startEvent: { event: 'page' }, returnEvent: { event: 'Product Viewed' }, period: 'week', periods: 4, timeZone: 'Asia/Shanghai' },
  paths: { start: { event: 'Product Added' }, steps: 4 },
  segment: { condition: { or: [{ type: 'behaviour', event: 'Product Viewed', atLeast: 3, withinDays: 14 }, { type: 'tag', tag: 'lifecycle', op: 'eq', value: 'new' }] } },
  rfm: {},
  'customer-value': { from: '2026-10-08', origin: 'all' },
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

describe('compactIfLarge (core/src/engine)', () => {
  const tableBytes = async (store: EventStore) =>
    Number((await store.query<{ b: number }>(`SELECT coalesce(sum(memory_usage_bytes), 0)::DOUBLE AS b FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'`))[0]?.b);
  const digest = 'SELECT count(*)::BIGINT AS n, count(DISTINCT event_id)::BIGINT AS ids, sum(revenue) AS revenue, min("timestamp") AS first FROM events';

  for (const kind of ['wasm', 'native'] as const) {
    it(`${kind}: leaves small tables alone, compresses above the threshold, and the data reads the same`, async () => {
      const store = kind === 'wasm' ? wasm : native;
      const before = await store.query(digest);
      expect(await compactIfLarge((sql) => store.query(sql))).toBe(false);
      // insert more rows, uncompressed until the next checkpoint
      await store.query('INSERT INTO events SELECT * FROM events');
      const grown = await tableBytes(store);
      expect(await compactIfLarge((sql) => store.query(sql), 0)).toBe(true);
      expect(await tableBytes(store)).toBeLessThan(grown);
      await store.query('DELETE FROM events WHERE rowid >= (SELECT count(*) / 2 FROM events)');
      expect(await store.query(digest)).toEqual(before);
    });
  }
});
