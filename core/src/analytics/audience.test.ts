import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { ev, loadRows, track } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { audienceCsv, buildAudience, hashIds } from './audience';

const stores: Record<'wasm' | 'native', EventStore> = {} as never;
beforeAll(async () => {
  stores.wasm = await openWasmStore();
  stores.native = await openNativeStore({ threads: 1 });
});
afterAll(async () => Promise.all([stores.wasm?.close(), stores.native?.close()]));

const KEY = 'export-key-0123456789';
const hmac = (id: string) => createHmac('sha256', KEY).update(id).digest('hex');
const page = (user: string, channel: string, at: string, session: string) => ev({ at, type: 'page', event: 'page', user_id: user, channel, session_id: session });

describe.each(['wasm', 'native'] as const)('audience export on %s', (engine) => {
  it('exports a segment with hashed ids and each person\'s most responsive channel', async () => {
    await loadRows(stores[engine], [
      // u1: two email sessions without an order, then a social session that converts: social.
      page('u1', 'email', '2024-01-01T10:00:00Z', 's1'),
      page('u1', 'email', '2024-01-02T10:00:00Z', 's2'),
      page('u1', 'social', '2024-01-03T10:00:00Z', 's3'),
      track('u1', 'Order Completed', '2024-01-03T10:05:00Z', { session_id: 's3' }),
      // u2: email twice, display once, no order: the channel with the most sessions.
      page('u2', 'email', '2024-01-01T10:00:00Z', 's4'),
      page('u2', 'display', '2024-01-02T10:00:00Z', 's5'),
      page('u2', 'email', '2024-01-03T10:00:00Z', 's6'),
      // u3: no touchpoint.
      track('u3', 'Order Completed', '2024-01-03T10:05:00Z'),
    ]);
    const now = () => new Date('2024-02-01T00:00:00Z');
    const audience = await buildAudience(
      stores[engine],
      { source: { segment: { condition: { type: 'behaviour', event: 'Order Completed', did: false } } }, responsiveness: { touch: { event: 'page' } } },
      { hashKey: KEY, actor: 'analyst@example.com', now },
    );
    expect(audience.rows).toEqual([{ id_hash: hmac('u2'), channel: 'email', sessions: 2, conversions: 0, fields: {} }]);
    expect(audience.log).toEqual({ actor: 'analyst@example.com', exportedAt: '2024-02-01T00:00:00.000Z', rows: 1, source: 'segment' });

    const scored = await buildAudience(
      stores[engine],
      { source: { rows: [{ person: 'u1', tier: 'at_risk', score: 0.8 }, { person: 'u3', tier: '=HYPERLINK("x")', score: 0.1 }] }, responsiveness: { touch: { event: 'page' } } },
      { hashKey: KEY, actor: 'job:churn', now },
    );
    expect(scored.rows.map(({ channel, sessions, conversions }) => ({ channel, sessions, conversions }))).toEqual([
      { channel: 'social', sessions: 1, conversions: 1 },
      { channel: '', sessions: 0, conversions: 0 },
    ]);
    expect(audienceCsv(scored)).toBe(`id_hash,channel,sessions,conversions,tier,score\n${hmac('u1')},social,1,1,at_risk,0.8\n${hmac('u3')},,0,0,"'=HYPERLINK(""x"")",0.1\n`);
  });
});

describe('id hashing', () => {
  it('is HMAC-SHA-256 and refuses short keys', async () => {
    expect(await hashIds(['a', 'b'], KEY)).toEqual([hmac('a'), hmac('b')]);
    await expect(hashIds(['a'], 'short')).rejects.toThrow('at least 16 characters');
  });
});
