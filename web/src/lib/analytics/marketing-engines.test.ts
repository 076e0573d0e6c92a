/**
 * DuckDB-Wasm and native DuckDB give the same marketing results on demo data loaded through the two
 * engines' own Parquet paths (as scripts/analyze/engines.test.ts does for the behaviour analyses).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseMessage } from '../../../../worker-edge/src/ingest/normalise-message';
import { identityHasher } from '../../../../worker-edge/src/privacy/keyed-hash';
import type { EventRow } from '../../../../worker-edge/src/schema/event-columns';
import { segmentMessageSchema } from '../../../../worker-edge/src/schema/segment-message';
import { generateDemoEvents } from '../../../../scripts/demo-data/generate';
import type { EventStore } from '../../../../scripts/analyze/event-store';
import { encodeRows } from '../../../../scripts/analyze/inputs';
import { openNativeStore } from '../../../../scripts/analyze/native-store';
import { openWasmStore } from '../../../../scripts/analyze/wasm-store';
import { runAttribution } from './attribution';
import { buildAudience } from './audience';
import { runBasket } from './basket';
import { runCampaignLift } from './campaign-lift';
import { runDataQuality } from './data-quality';
import { runExperiment } from './experiment';
import { buildPersonMap } from './identity';

const ANALYSES: Record<string, (store: EventStore) => Promise<unknown>> = {
  attribution: (s) => runAttribution(s, { touch: { event: 'page' }, markov: { order: 2 } }),
  basket: (s) => runBasket(s, { minSupport: 0.005, maxLength: 3, alsoBought: 'p-0025' }),
  'basket by category and person': (s) => runBasket(s, { basket: 'person', window: { value: 7, unit: 'day' }, item: 'category', minSupport: 0.01 }),
  experiment: (s) => runExperiment(s, { experiment: 'checkout_button', expectedSplit: { control: 0.5, treatment: 0.5 } }),
  'campaign lift': (s) => runCampaignLift(s, { campaign: { from: '2026-10-11', to: '2026-10-17' }, baseline: { from: '2026-10-04', to: '2026-10-10' } }),
  'data quality': (s) => runDataQuality(s, { campaignProperty: 'utm_campaign' }),
  audience: (s) => buildAudience(s, { source: { segment: { condition: { type: 'behaviour', event: 'Order Completed' } } } }, { hashKey: 'engine-test-key-0123', actor: 'test', now: () => new Date(0) }),
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
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(10)) : v)));
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

describe('marketing analyses agree on DuckDB-Wasm and native DuckDB', () => {
  for (const [name, run] of Object.entries(ANALYSES)) {
    it(name, async () => {
      const [a, b] = [await run(wasm), await run(native)];
      expect(canonical(b)).toEqual(canonical(a));
      expect(JSON.stringify(a).length).toBeGreaterThan(100);
    });
  }
});
