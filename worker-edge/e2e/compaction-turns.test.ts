/**
 * The lifecycle's alarm gives other requests a turn between its compaction steps. Under wrangler dev every worker and
 * Durable Object shares one thread, and a step's storage calls finish without leaving it: before, a whole alarm of
 * compaction held every other request back (`npm run demo`'s first manifest waited 16.6 s behind the merge of 759
 * flush files, and the demo printed "Network connection lost" when it gave up). Asserted by what the reads saw, not
 * by their times: reads made while the alarm works answer with days partly merged.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { edgeManifest, fillEdge, runLifecycleCron, startEdgeFor, type LocalEdge } from '@privacy-analytics/scripts/harness';

let edge: LocalEdge | undefined;
afterAll(async () => {
  await edge?.stop();
});

describe('compaction under wrangler dev', () => {
  it('answers manifest reads between the steps of a compaction alarm', { timeout: 240_000 }, async () => {
    edge = await startEdgeFor([], { testScheduled: true });
    // two flushes over the same 20 past days: each day has small files of both, so each day is a compaction step
    const first = await fillEdge(edge.url, { events: 8_000, days: 20, seed: 7 });
    await fillEdge(edge.url, { events: 8_000, days: 20, seed: 8 });
    const range = { from: first.from, to: first.to };
    const before = (await edgeManifest(edge.url, range)).length;
    const days = new Set((await edgeManifest(edge.url, range)).map((f) => f.date)).size;
    expect(before).toBeGreaterThanOrEqual(2 * days);

    await runLifecycleCron(edge.url);
    // read the manifest again and again until every day is one file; note every file count seen on the way
    const seen: number[] = [];
    for (let reads = 0; reads < 2_000; reads++) {
      const count = (await edgeManifest(edge.url, range, AbortSignal.timeout(60_000))).length;
      seen.push(count);
      if (count === days) break;
    }
    expect(seen.at(-1)).toBe(days);
    // some read was answered while some days were merged and others not yet
    expect(seen.some((count) => count < before && count > days)).toBe(true);
  });
});
