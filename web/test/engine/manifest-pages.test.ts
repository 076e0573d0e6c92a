/**
 * Issue 19, "One busy site": the edge pages its manifest, and the dashboard's EdgeClient (the one manifest reader of
 * the data worker's loaders) follows every page. A real edge (wrangler dev); pages of 3 files so that a small site
 * has many.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { EdgeClient } from '../../src/lib/edge/edge-client';
import type { DateRange } from '../../src/lib/engine/data-engine';
import { DEMO, edgeManifest, fillEdge, manifestSettled, runLifecycleCron, startLocalEdge, type LocalEdge } from '@privacy-analytics/scripts/harness';

let edge: LocalEdge;
let range: DateRange;
let client: EdgeClient;

beforeAll(async () => {
  edge = await startLocalEdge({ testScheduled: true });
  const filled = await fillEdge(edge.url, { events: 1500, days: 3, seed: 23 });
  range = { from: filled.from, to: filled.to };
  client = new EdgeClient({ url: edge.url, site: DEMO.site, token: DEMO.readToken });
}, 240_000);

afterAll(async () => {
  await edge?.stop();
});

const keysOf = (files: readonly ManifestEntry[]) => files.map((f) => f.key);

describe('EdgeClient.manifest', () => {
  it('joins every page: pages of 3 files give the files of one unpaged answer, in order', async () => {
    const whole = await client.manifest(range);
    expect(whole.files.length).toBeGreaterThan(6);
    const paged = await client.manifest(range, undefined, 3);
    expect(keysOf(paged.files)).toEqual(keysOf(whole.files));
    expect(paged.schemaVersion).toBe(whole.schemaVersion);
  });

  it('starts again when compaction replaced files of an earlier page (409 from the edge)', async () => {
    const before = await edgeManifest(edge.url, range);
    const answers: number[] = [];
    const realFetch = globalThis.fetch;
    // After the first page is answered, the edge's lifecycle merges the past days' files before the client asks for
    // the second: nothing is stood in for, the second request only waits.
    let compacted: Promise<unknown> | null = null;
    globalThis.fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('/manifest') && url.includes('cursor=')) await compacted;
      const response = await realFetch(input, init);
      if (url.includes('/manifest')) {
        answers.push(response.status);
        compacted ??= runLifecycleCron(edge.url).then(() => manifestSettled(edge.url, range, before));
      }
      return response;
    };
    let paged;
    try {
      paged = await client.manifest(range, undefined, 3);
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(answers, 'a page answered 409, then the listing started again').toContain(409);
    expect(answers.at(-1)).toBe(200);
    const now = await edgeManifest(edge.url, range);
    expect(keysOf(paged.files)).toEqual(keysOf(now));
    expect(new Set(keysOf(paged.files)).size).toBe(paged.files.length);
  });
});
