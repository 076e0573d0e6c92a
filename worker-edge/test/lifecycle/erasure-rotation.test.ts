import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { handleIngest } from '../../src/ingest/ingest-route';
import type { Env } from '../../src/env';
import { HmacIdHasher } from '@privacy-analytics/core/privacy';
import { ROTATED_HASH_KEY, TEST_SITE_SECRETS } from '../fixtures/sites';
import { adminCall, at, drain, event, flushSite, hashedId, ingest, rowsInManifest, siteTokens } from './lifecycle-helpers';

const SITE = 'erasure-rotation';

/** Ingest as the edge did before the rotation: the same site with its old hashKey. */
async function ingestBeforeRotation(messages: Record<string, unknown>[]): Promise<void> {
  const secrets = TEST_SITE_SECRETS[SITE];
  const before = { ...secrets, hashKey: secrets.previousHashKeys[0]!, previousHashKeys: [] };
  const oldEnv = { ...env, SITE_SECRETS: JSON.stringify({ [SITE]: before }) } as Env;
  const request = new Request('https://edge.test/v1/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(`${siteTokens(SITE).writeKey}:`)}` },
    body: JSON.stringify({ batch: messages }),
  });
  const response = await handleIngest(request, oldEnv, null);
  expect(response.status, await response.clone().text()).toBe(200);
}

describe('erasure after a hashKey rotation', { timeout: 90_000 }, () => {
  it('erasure by user id finds the rows written under the previous key as well as the current one', async () => {
    const oldPseudonym = await hashedId(SITE, 'alice'); // the pre-rotation key
    const newPseudonym = await new HmacIdHasher(ROTATED_HASH_KEY).hashId('alice');
    expect(oldPseudonym).not.toBe(newPseudonym);

    // Before the rotation: alice on her laptop; after: alice again, from the same laptop, and bob.
    await ingestBeforeRotation([
      event({ userId: 'alice', anonymousId: 'laptop-a', timestamp: at(-2, 9) }),
      event({ type: 'identify', userId: 'alice', anonymousId: 'laptop-a', timestamp: at(-2, 9, 5), traits: { plan: 'pro' } }),
    ]);
    await ingest(SITE, [
      event({ userId: 'alice', anonymousId: 'laptop-a', timestamp: at(-1, 10) }),
      event({ userId: 'bob', anonymousId: 'phone-b', timestamp: at(-1, 11) }),
    ]);
    await flushSite(SITE);
    const before = await rowsInManifest(SITE);
    expect(before.filter((row) => row.user_id === oldPseudonym)).toHaveLength(2);
    expect(before.filter((row) => row.user_id === newPseudonym)).toHaveLength(1);

    const requested = await adminCall(SITE, 'POST', '/erasure', { userId: 'alice' });
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    await drain(SITE);
    const status = (await adminCall(SITE, 'GET', `/erasure/${requested.body.id as string}`)).body;
    // The laptop's id sits beside both of alice's pseudonyms: one person, so it is erased, not a stop.
    expect(status).toMatchObject({ status: 'done', rowsRemoved: 3 });
    expect(status.stops ?? []).toEqual([]);

    const after = await rowsInManifest(SITE);
    expect(after.filter((row) => [row.user_id, row.anonymous_id].some((id) => id === oldPseudonym || id === newPseudonym))).toEqual([]);
    expect(after).toHaveLength(1);
    expect(after[0]!.user_id).toBe(await new HmacIdHasher(ROTATED_HASH_KEY).hashId('bob'));
  });
});
