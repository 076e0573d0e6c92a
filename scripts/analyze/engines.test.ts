/**
 * DuckDB-Wasm and native DuckDB run the identical SQL: every analysis gives the same result on both,
 * on demo data loaded through the two engines' own Parquet paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseMessage } from '../../worker-edge/src/ingest/normalise-message';
import { identityHasher } from '../../worker-edge/src/privacy/keyed-hash';
import type { EventRow } from '../../worker-edge/src/schema/event-columns';
import { segmentMessageSchema } from '../../worker-edge/src/schema/segment-message';
import { ANALYSIS_NAMES, runAnalysis, type AnalysisName } from '../../web/src/lib/analytics/index';
import { buildPersonMap } from '../../web/src/lib/analytics/identity';
import { generateDemoEvents } from '../demo-data/generate';
import type { EventStore } from './event-store';
import { encodeRows } from './inputs';
import { openNativeStore } from './native-store';
import { openWasmStore } from './wasm-store';

const SPECS: Record<AnalysisName, unknown> = {
  funnel: { steps: [{ event: 'page' }, { event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Order Completed' }], breakdown: { property: 'device_type' } },
  retention: { startEvent: { event: 'page' }, returnEvent: { event: 'Product Viewed' }, period: 'week', periods: 4, timeZone: 'Asia/Shanghai' },
  paths: { start: { event: 'Product Added' }, steps: 4 },
  segment: { condition: { or: [{ type: 'behaviour', event: 'Product Viewed', atLeast: 3, withinDays: 14 }, { type: 'tag', tag: 'lifecycle', op: 'eq', value: 'new' }] } },
  rfm: {},
};

async function demoRows(): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  for (const message of generateDemoEvents({ seed: 5, events: 6000, start: new Date('2026-10-01T00:00:00Z'), days: 21 })) {
    const parsed = segmentMessageSchema.parse(message);
    const result = await normaliseMessage(parsed, { receivedAt: parsed.timestamp!, country: 'CN', region: null, requestUserAgent: null }, { site: 'demo', hasher: identityHasher, queryParams: [], scrub: false });
    if (result.ok) rows.push(result.row);
  }
  return rows;
}

function canonical(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v)));
}

let wasm: EventStore;
let native: EventStore;
beforeAll(async () => {
  const parquet = encodeRows(await demoRows());
  [wasm, native] = await Promise.all([openWasmStore(), openNativeStore({ threads: 1 })]);
  for (const store of [wasm, native]) {
    await store.resetEvents();
    await store.loadParquetBytes(parquet, 'demo');
    await buildPersonMap(store);
  }
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
