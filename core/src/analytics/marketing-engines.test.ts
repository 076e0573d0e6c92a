/**
 * DuckDB-Wasm and native DuckDB give the same marketing results on demo data loaded through the two
 * engines' own Parquet paths (as scripts/analyze/engines.test.ts does for the behaviour analyses).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { canonical, openDemoEnginePair } from '../testing/event-rows';
import { runAttribution } from './attribution';
import { buildAudience } from './audience';
import { runBasket } from './basket';
import { runCampaignLift } from './campaign-lift';
import { runDataQuality } from './data-quality';
import { runExperiment } from './experiment';

const ANALYSES: Record<string, (store: EventStore) => Promise<unknown>> = {
  attribution: (s) => runAttribution(s, { touch: { event: 'page' }, markov: { order: 2 } }),
  basket: (s) => runBasket(s, { minSupport: 0.005, maxLength: 3, alsoBought: 'p-0025' }),
  'basket by category and person': (s) => runBasket(s, { basket: 'person', window: { value: 7, unit: 'day' }, item: 'category', minSupport: 0.01 }),
  experiment: (s) => runExperiment(s, { experiment: 'checkout_button', expectedSplit: { control: 0.5, treatment: 0.5 } }),
  'campaign lift': (s) => runCampaignLift(s, { campaign: { from: '2026-10-11', to: '2026-10-17' }, baseline: { from: '2026-10-04', to: '2026-10-10' } }),
  'data quality': (s) => runDataQuality(s, { campaignProperty: 'utm_campaign' }),
  audience: (s) => buildAudience(s, { source: { segment: { condition: { type: 'behaviour', event: 'Order Completed' } } } }, { hashKey: 'engine-test-key-0123', actor: 'test', now: () => new Date(0) }),
};

let wasm: EventStore;
let native: EventStore;
beforeAll(async () => {
  ({ wasm, native } = await openDemoEnginePair());
});
afterAll(async () => Promise.all([wasm?.close(), native?.close()]));

describe('marketing analyses agree on DuckDB-Wasm and native DuckDB', () => {
  for (const [name, run] of Object.entries(ANALYSES)) {
    it(name, async () => {
      const [a, b] = [await run(wasm), await run(native)];
      expect(canonical(b, 10)).toEqual(canonical(a, 10));
      expect(JSON.stringify(a).length).toBeGreaterThan(100);
    });
  }
});
