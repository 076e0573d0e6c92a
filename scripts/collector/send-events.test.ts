import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendEvents } from './send-events';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

/** A collector on a real socket: `answer` decides per request (null = never answer). */
async function collector(answer: (n: number, body: { batch: unknown[] }) => { status: number; body: unknown } | null): Promise<{ url: string; bodies: { batch: unknown[] }[] }> {
  const bodies: { batch: unknown[] }[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const body = JSON.parse(text) as { batch: unknown[] };
      bodies.push(body);
      const a = answer(bodies.length, body);
      if (a === null) return void hanging.push(res);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise((resolve) => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

const messages = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'track', event: 'e', messageId: `m${i}`, anonymousId: 'a' }));

describe('sendEvents', () => {
  it('sends a batch again when the collector leaves a request unanswered, and counts it once', async () => {
    const c = await collector((n, body) => (n === 1 ? null : { status: 200, body: { accepted: body.batch.length } }));
    const summary = await sendEvents(messages(3), { url: c.url, writeKey: 'k', batchSize: 10, requestTimeoutMs: 300 });
    expect(summary).toMatchObject({ sent: 3, accepted: 3, rejected: 0 });
    expect(c.bodies).toHaveLength(2);
    expect(c.bodies[1]!.batch).toEqual(c.bodies[0]!.batch);
  });

  it('sends again after a 503 but not after a 401, which it reports', async () => {
    const busy = await collector((n, body) => (n === 1 ? { status: 503, body: { error: 'restarted' } } : { status: 200, body: { accepted: body.batch.length } }));
    expect(await sendEvents(messages(2), { url: busy.url, writeKey: 'k' })).toMatchObject({ accepted: 2 });
    await close?.();
    const refused = await collector(() => ({ status: 401, body: { error: 'bad write key' } }));
    await expect(sendEvents(messages(2), { url: refused.url, writeKey: 'k' })).rejects.toThrow(/401/);
    expect(refused.bodies).toHaveLength(1);
  });
});
