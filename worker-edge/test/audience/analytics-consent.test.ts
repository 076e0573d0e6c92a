import { env, runInDurableObject } from 'cloudflare:test';
import type { EventRow } from '@privacy-analytics/core/schema';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { buffersOf } from '../../src/stubs';
import { basicAuth, BROWSER_UA, EDGE } from '../helpers';
import { call } from '../alerts/alert-helpers';

/**
 * `analytics` consent at the ingest, through the real ingest handler and buffer shards: a person who withdraws it has
 * no later event stored (the withdrawal event itself is), others in the same batches are stored, every answer is 200
 * with `consentWithdrawn` counted; after a re-grant (consent API) the person's events are stored again.
 */
const SITE = 'consent-gate';

async function send(path: 'batch' | 'track', body: Record<string, unknown>) {
  const res = await worker.fetch(
    new Request<unknown, IncomingRequestCfProperties>(`${EDGE}/v1/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA, authorization: basicAuth(`${SITE}-write-key`) },
      body: JSON.stringify(body),
    }),
    env,
  );
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const track = (userId: string, event: string, offsetMs = 0, properties: Record<string, unknown> = {}) => ({ type: 'track', userId, event, properties, timestamp: at(offsetMs), messageId: crypto.randomUUID() });

/** Event names of the rows the site's buffer shards hold. */
async function storedEvents(): Promise<string[]> {
  const names: string[] = [];
  for (const buffer of buffersOf(env, SITE)) {
    const rows = await runInDurableObject(buffer, (_i, state) => state.storage.sql.exec<{ row: string }>(`SELECT row FROM buffer`).toArray());
    names.push(...rows.map((r) => (JSON.parse(r.row) as EventRow).event));
  }
  return names.sort();
}

async function droppedCount(): Promise<number> {
  let total = 0;
  for (const buffer of buffersOf(env, SITE)) {
    total += await runInDurableObject(buffer, (_i, state) =>
      state.storage.sql.exec<{ n: number | null }>(`SELECT SUM(count) AS n FROM daily_counters WHERE metric = 'dropped:consent_withdrawn'`).one().n ?? 0,
    );
  }
  return total;
}

describe('analytics consent at the ingest', () => {
  it('stores everyone`s events while nobody withdrew', async () => {
    const res = await send('batch', { batch: [track('alice', 'alice before'), track('bob', 'bob 1')] });
    expect(res).toMatchObject({ status: 200, body: { accepted: 2, consentWithdrawn: 0 } });
  });

  it('a batch carrying a withdrawal keeps the record and what came before it, drops the person`s later events, keeps others', async () => {
    const res = await send('batch', {
      batch: [
        track('alice', 'alice earlier in batch', -2_000),
        track('alice', 'Consent Updated', -1_000, { consent: { analytics: false } }),
        track('alice', 'alice after withdrawal', 0),
        track('bob', 'bob 2', 0),
      ],
    });
    expect(res).toMatchObject({ status: 200, body: { success: true, accepted: 3, consentWithdrawn: 1 } });
    expect(await storedEvents()).toEqual(['Consent Updated', 'alice before', 'alice earlier in batch', 'bob 1', 'bob 2']);
  });

  it('later batches: the person`s events are not stored, others` are; the answer stays 200, also for a single call', async () => {
    const res = await send('batch', { batch: [track('alice', 'alice later 1'), track('bob', 'bob 3'), track('alice', 'alice later 2')] });
    expect(res).toMatchObject({ status: 200, body: { success: true, accepted: 1, duplicates: 0, consentWithdrawn: 2 } });
    const single = await send('track', track('alice', 'alice single'));
    expect(single).toMatchObject({ status: 200, body: { accepted: 0, consentWithdrawn: 1 } });
    expect(await storedEvents()).toEqual(['Consent Updated', 'alice before', 'alice earlier in batch', 'bob 1', 'bob 2', 'bob 3']);
    expect(await droppedCount()).toBe(4);
  });

  it('after a re-grant (consent API), the person`s events are stored again', async () => {
    const granted = await call(SITE, 'admin', 'POST', '/consent', { userId: 'alice', purpose: 'analytics', granted: true, source: 'crm:preferences' });
    expect(granted.status, JSON.stringify(granted.body)).toBe(201);
    const res = await send('batch', { batch: [track('alice', 'alice regranted'), track('bob', 'bob 4')] });
    expect(res).toMatchObject({ status: 200, body: { accepted: 2, consentWithdrawn: 0 } });
    expect(await storedEvents()).toContain('alice regranted');
  });

  it('a withdrawal through the consent API holds from the next batch on', async () => {
    const withdrawn = await call(SITE, 'admin', 'POST', '/consent', { userId: 'bob', purpose: 'analytics', granted: false, source: 'crm:call-centre' });
    expect(withdrawn.status).toBe(201);
    const res = await send('batch', { batch: [track('alice', 'alice 5'), track('bob', 'bob 5')] });
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, consentWithdrawn: 1 } });
    const names = await storedEvents();
    expect(names).toContain('alice 5');
    expect(names).not.toContain('bob 5');
  });
});
