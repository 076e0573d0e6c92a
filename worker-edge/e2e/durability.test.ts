import { afterEach, describe, expect, it } from 'vitest';
import { DEMO, startLocalEdge, type LocalEdge } from '@privacy-analytics/scripts/harness';
import { flushAndReadBack, readBack } from './read-back';

const running: LocalEdge[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((edge) => edge.stop()));
});

async function start(persistDir?: string): Promise<LocalEdge> {
  // A long flush interval keeps events in the Durable Object buffer when the process is killed.
  const edge = await startLocalEdge({ persistDir, vars: { FLUSH_INTERVAL_SECONDS: '60' } });
  running.push(edge);
  return edge;
}

describe('durability', () => {
  it('every acknowledged event survives a crash between acknowledgement and flush, exactly once', async () => {
    const first = await start();
    const sent: string[] = [];
    for (let request = 0; request < 10; request++) {
      const batch = Array.from({ length: 20 }, (_, i) => {
        const messageId = `durable-${request}-${i}`;
        sent.push(messageId);
        return { type: 'track', event: 'Durable', messageId, anonymousId: `a-${i}`, properties: { n: request * 20 + i } };
      });
      const res = await fetch(`${first.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${DEMO.writeKey}:`).toString('base64')}`, 'content-type': 'application/json', 'user-agent': 'durability-test' },
        body: JSON.stringify({ batch }),
      });
      expect(await res.json()).toMatchObject({ accepted: 20 });
    }
    expect(await readBack(first.url, DEMO.site, DEMO.readToken)).toHaveLength(0);
    await first.kill();
    running.splice(running.indexOf(first), 1);

    const second = await start(first.persistDir);
    // A client retrying after the crash must not create duplicates either.
    const retry = await fetch(`${second.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO.writeKey}:`).toString('base64')}`, 'content-type': 'application/json', 'user-agent': 'durability-test' },
      body: JSON.stringify({ batch: [{ type: 'track', event: 'Durable', messageId: 'durable-0-0', anonymousId: 'a-0', properties: { n: 0 } }] }),
    });
    expect(await retry.json()).toMatchObject({ accepted: 0, duplicates: 1 });

    const rows = (await flushAndReadBack(second.url, DEMO.site, { admin: DEMO.adminToken, read: DEMO.readToken })).filter((r) => r.event === 'Durable');
    expect(rows).toHaveLength(sent.length);
    expect(new Set(rows.map((r) => JSON.parse(r.properties).n)).size).toBe(sent.length);
  });
});
