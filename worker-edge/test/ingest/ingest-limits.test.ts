import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { basicAuth, BROWSER_UA, EDGE, nextIp, trackMessage } from '../helpers';

/**
 * The worker's handler called directly (not through SELF), so that the test owns the request's body stream and sees
 * whether it was read, and so that requests share the module instance whose memory holds a site's quota refusal.
 */
type IncomingRequest = Request<unknown, IncomingRequestCfProperties>;

function call(request: IncomingRequest): Promise<Response> {
  return worker.fetch(request, env);
}

/** A body that fails as soon as anything reads it, and tells whether anything tried. */
function unreadableBody(): { stream: ReadableStream<Uint8Array>; read(): boolean } {
  let pulled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulled = true;
        controller.error(new Error('the test body was read'));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, read: () => pulled };
}

function ingestRequest(ip: string, body: BodyInit, headers: Record<string, string> = {}): IncomingRequest {
  return new Request<unknown, IncomingRequestCfProperties>(`${EDGE}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA, 'cf-connecting-ip': ip, ...headers },
    body,
  });
}

const minuteOf = (ms: number) => Math.floor(ms / 60_000);

describe('per-address limit', () => {
  it('answers 429 with Retry-After before reading the body once an address is over the limit', async () => {
    const ip = '203.0.113.201';
    const readBodies: boolean[] = [];
    let limited: { response: Response; read: boolean } | null = null;
    // The test binding allows 20 requests per 10 s window: within 100 requests one is refused, whatever the windows.
    for (let i = 0; i < 100 && !limited; i++) {
      const body = unreadableBody();
      const response = await call(ingestRequest(ip, body.stream, { authorization: basicAuth('demo-write-key') }));
      if (response.status === 429) limited = { response, read: body.read() };
      else {
        // let through: the body was read and failed
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ error: 'malformed_body' });
        readBodies.push(body.read());
      }
    }
    expect(limited, 'a request refused within 100').not.toBeNull();
    expect(readBodies.length).toBeGreaterThanOrEqual(1);
    expect(readBodies.every(Boolean), 'the requests let through read their bodies (the probe works)').toBe(true);
    expect(limited!.read, 'the refused request left its body unread').toBe(false);
    expect(limited!.response.headers.get('retry-after')).toBe('10');
    expect(await limited!.response.json()).toMatchObject({ success: false, error: 'rate_limited', message: expect.stringContaining('retry after 10 s') });
    expect(limited!.response.headers.get('access-control-allow-origin'), 'a browser can read the refusal').toBe('*');
  });

  it('leaves other addresses alone', async () => {
    const response = await call(ingestRequest(nextIp(), JSON.stringify({ batch: [trackMessage()] }), { authorization: basicAuth('demo-write-key') }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ accepted: 1 });
  });
});

describe('site quota (maxEventsPerMinute)', () => {
  const auth = { authorization: basicAuth('quota-write-key') };
  const batchOf = (n: number) => JSON.stringify({ batch: Array.from({ length: n }, () => trackMessage()) });

  it('answers 429 once the site has stored its quota this minute, then refuses the site before reading bodies', async () => {
    // A minute may end between the refusal and the next request (the refusal is remembered until its minute ends):
    // then the scenario is run again.
    for (let attempt = 0; attempt < 3; attempt++) {
      let refusal: Response | null = null;
      let accepted = 0;
      for (let i = 0; i < 40 && !refusal; i++) {
        const response = await call(ingestRequest(nextIp(), batchOf(3), auth));
        if (response.status === 429) refusal = response;
        else {
          expect(response.status).toBe(200);
          accepted += ((await response.json()) as { accepted: number }).accepted;
        }
      }
      expect(refusal, 'a batch refused within 40').not.toBeNull();
      const refusedAt = Date.now();
      const body = (await refusal!.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ success: false, error: 'site_quota_exceeded', refused: expect.any(Number), accepted: expect.any(Number) });
      expect(body.message).toMatch(/^site "quota" has stored its quota of 6 events this minute; retry after \d+ s/);
      expect((body.refused as number) + (body.accepted as number) + (body.duplicates as number)).toBe(3);
      const retryAfter = Number(refusal!.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // each of the 2 shards stores its share (3) plus at most the batch that crossed it, in one minute or two
      expect(accepted).toBeLessThanOrEqual(2 * 2 * (3 + 3));

      const unread = unreadableBody();
      const next = await call(ingestRequest(nextIp(), unread.stream, auth));
      const inBody = await call(ingestRequest(nextIp(), JSON.stringify({ writeKey: 'quota-write-key', batch: [trackMessage()] })));
      if (minuteOf(Date.now()) !== minuteOf(refusedAt)) continue;
      expect(next.status).toBe(429);
      expect(unread.read(), 'refused with the key in the Basic header: the body was not read').toBe(false);
      expect(await next.json()).toMatchObject({ error: 'site_quota_exceeded' });
      expect(inBody.status, 'the key in the body: refused once the body names the site').toBe(429);
      expect(await inBody.json()).toMatchObject({ error: 'site_quota_exceeded' });

      const live = await call(new Request<unknown, IncomingRequestCfProperties>(`${EDGE}/v1/sites/quota/live?minutes=5`, { headers: { authorization: 'Bearer quota-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' } }));
      const minutes = ((await live.json()) as { minutes: Record<string, number>[] }).minutes;
      expect(minutes.reduce((n, m) => n + (m['refused:site_quota'] ?? 0), 0)).toBeGreaterThanOrEqual(1);
      return;
    }
    throw new Error('three minutes turned in the middle of the scenario');
  });

  it('stores everything while a site is under its quota, and a site without one is not affected by another over it', async () => {
    for (const [key, n] of [['roomy-write-key', 50], ['demo-write-key', 50]] as const) {
      const response = await call(ingestRequest(nextIp(), batchOf(n), { authorization: basicAuth(key) }));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ success: true, accepted: n, rejected: [] });
    }
  });
});
