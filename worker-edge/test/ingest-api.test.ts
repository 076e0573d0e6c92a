import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES, MAX_REQUEST_BYTES } from '@privacy-analytics/core/schema';
import { BROWSER_UA, EDGE, flush, post, readStoredRows, trackMessage } from './helpers';

describe('write key', () => {
  it('401 without a write key', async () => {
    const res = await post('/v1/batch', { batch: [trackMessage()] }, { writeKey: null });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'missing_write_key' });
  });

  it('401 for an unknown write key', async () => {
    const res = await post('/v1/batch', { batch: [trackMessage()] }, { writeKey: 'nope-nope-nope' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unknown_write_key' });
  });

  it('accepts the write key in the body (sendBeacon, no headers)', async () => {
    const res = await post('/v1/batch', { batch: [trackMessage()], writeKey: 'demo-write-key' }, { writeKey: null, headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, accepted: 1 });
  });
});

describe('malformed input', () => {
  it('400 on malformed JSON with the parser message', async () => {
    const res = await post('/v1/batch', '{"batch": [', {});
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('malformed_json');
    expect(body.message).toMatch(/not valid JSON/);
  });

  it('400 on an empty body', async () => {
    const res = await post('/v1/batch', '', {});
    expect(res.status).toBe(400);
  });

  it('400 when the batch is not an array', async () => {
    const res = await post('/v1/batch', { batch: 'x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_batch' });
  });

  it('400 for a single track call without an event name, with the field named', async () => {
    const res = await post('/v1/track', { anonymousId: 'a', properties: {} });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string };
    expect(body.message).toMatch(/event/);
  });

  it('413 when the request exceeds 500 KB', async () => {
    const big = 'x'.repeat(MAX_REQUEST_BYTES);
    const res = await post('/v1/batch', { batch: [trackMessage({ properties: { big } })] });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'request_too_large' });
  });

  it('partial acceptance: rejects only the bad events, with index and reason', async () => {
    const res = await post('/v1/batch', {
      batch: [
        trackMessage(),
        { type: 'track', anonymousId: 'a' },
        trackMessage({ properties: { blob: 'y'.repeat(MAX_EVENT_BYTES) } }),
        { type: 'launch', anonymousId: 'a' },
        trackMessage({ anonymousId: undefined, userId: undefined }),
        trackMessage({ timestamp: 'yesterday-ish' }),
        'not an object',
        trackMessage(),
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: number; rejected: { index: number; reason: string }[] };
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(body.rejected[0]!.reason).toMatch(/^invalid_message: event/);
    expect(body.rejected[1]!.reason).toMatch(/^event_too_large/);
    expect(body.rejected[2]!.reason).toMatch(/^invalid_message: type/);
    expect(body.rejected[3]!.reason).toMatch(/^missing_id/);
    expect(body.rejected[4]!.reason).toMatch(/timestamp: not an ISO-8601 time/);
    expect(body.rejected[5]!.reason).toMatch(/not a JSON object/);
  });

  it('400 when every event of a batch is rejected', async () => {
    const res = await post('/v1/batch', { batch: [{ type: 'track' }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ accepted: 0, rejected: [{ index: 0 }] });
  });

  it('405 for GET on an ingest route and 404 for unknown routes', async () => {
    expect((await SELF.fetch(`${EDGE}/v1/batch`)).status).toBe(405);
    expect((await SELF.fetch(`${EDGE}/v1/nothing`, { method: 'POST' })).status).toBe(404);
  });
});

describe('one bad message never costs its batch-mates', () => {
  type Answer = { accepted: number; rejected: { index: number; reason: string }[]; error?: string; message?: string };
  const batchText = (...messages: string[]) => `{"batch":[${messages.join(',')}]}`;
  const valid = () => JSON.stringify(trackMessage());

  it('a nanosecond epoch timestamp rejects only its message, naming timestamp', async () => {
    const res = await post('/v1/batch', batchText(valid(), JSON.stringify(trackMessage({ timestamp: 1733400000000000000 })), valid()));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Answer;
    expect(body.accepted).toBe(2);
    expect(body.rejected).toEqual([{ index: 1, reason: expect.stringMatching(/^invalid_message: timestamp: 1733400000000000000 is out of range/) }]);
  });

  it('a sentAt beyond ±8.64e15 ms rejects only its message, naming sentAt', async () => {
    const res = await post('/v1/batch', batchText(valid(), JSON.stringify(trackMessage({ sentAt: 9e15 })), JSON.stringify(trackMessage({ sentAt: -8.7e15 }))));
    const body = (await res.json()) as Answer;
    expect(res.status).toBe(200);
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 2]);
    for (const { reason } of body.rejected) expect(reason).toMatch(/^invalid_message: sentAt: -?[\d.e]+ is out of range/);
  });

  it('a sentAt correction that moves the time out of Date\'s range is rejected naming timestamp and sentAt', async () => {
    const res = await post('/v1/batch', batchText(valid(), JSON.stringify(trackMessage({ timestamp: 8.6e15, sentAt: -8.6e15 }))));
    const body = (await res.json()) as Answer;
    expect(res.status).toBe(200);
    expect(body.rejected).toEqual([{ index: 1, reason: expect.stringMatching(/^timestamp_in_future: timestamp corrected by sentAt \(17\d{15} ms since 1970\)/) }]);
  });

  it('a batch sentAt beyond ±8.64e15 ms answers 400 naming sentAt', async () => {
    const res = await post('/v1/batch', `{"sentAt":1733400000000000000,"batch":[${valid()}]}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_batch', message: expect.stringMatching(/^batch envelope: sentAt: 1733400000000000000 is out of range/) });
  });

  it('properties nested 15,000 levels deep (under 32 KB) reject only their message, naming the path', async () => {
    const deep = JSON.stringify(trackMessage({ properties: { deep: '@' } })).replace('"@"', `${'['.repeat(15_000)}1${']'.repeat(15_000)}`);
    expect(new TextEncoder().encode(deep).byteLength).toBeLessThan(MAX_EVENT_BYTES);
    const res = await post('/v1/batch', batchText(valid(), deep, valid()));
    const body = (await res.json()) as Answer;
    expect(res.status).toBe(200);
    expect(body.accepted).toBe(2);
    expect(body.rejected).toEqual([{ index: 1, reason: 'invalid_message: properties.deep.0.0.0.0…: nested deeper than 64 levels' }]);
  });

  it('a message context that is not an object is rejected naming context, under a batch context too', async () => {
    const res = await post('/v1/batch', `{"context":{"locale":"de-DE"},"batch":[${valid()},${JSON.stringify(trackMessage({ context: 'abc' }))}]}`);
    const body = (await res.json()) as Answer;
    expect(res.status).toBe(200);
    expect(body.rejected).toEqual([{ index: 1, reason: expect.stringMatching(/^invalid_message: context: .*expected object/) }]);
  });

  it('prototype keys, duplicate keys, huge numbers, lone surrogates and invalid UTF-8 leave a valid message valid', async () => {
    const marker = crypto.randomUUID();
    const odd = JSON.stringify(trackMessage({ event: 'Odd Keys', properties: { marker } }))
      .replace('{', '{"__proto__":{"type":"alias"},"constructor":{"prototype":{"x":1}},"event":5,')
      .replace(`"marker":"${marker}"`, `"marker":"${marker}","__proto__":{"price":99},"constructor":{"prototype":{"x":1}},"big":1e400,"lone":"\\ud800","bytes":"a@b"`);
    const sibling = JSON.stringify(trackMessage({ event: 'Sibling', properties: { marker } }));
    const bytes = new TextEncoder().encode(batchText(odd, sibling));
    bytes[bytes.indexOf(0x40)] = 0xff; // the "@" above becomes a byte that is not UTF-8
    const res = await post('/v1/batch', bytes);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 2, rejected: [] });
    await flush();
    const rows = (await readStoredRows()).filter((r) => r.properties.includes(marker));
    expect(rows.map((r) => r.event).sort()).toEqual(['Odd Keys', 'Sibling']);
    const oddRow = rows.find((r) => r.event === 'Odd Keys')!;
    expect(oddRow.type).toBe('track');
    expect(oddRow.price).toBeNull();
    expect(JSON.parse(oddRow.properties)).toMatchObject({ constructor: { prototype: { x: 1 } }, big: null, lone: '\ud800', bytes: 'a\ufffdb' });
  });
});

describe('Segment endpoints', () => {
  it.each(['track', 'page', 'screen', 'identify', 'alias', 'group'])('accepts /v1/%s', async (type) => {
    const message = {
      messageId: `single-${type}-${crypto.randomUUID()}`,
      anonymousId: 'anon-single',
      userId: 'user-single',
      event: 'Signed Up',
      name: 'Home',
      previousId: 'anon-single',
      groupId: 'company-1',
      properties: { path: '/home' },
      traits: { plan: 'pro' },
      context: { userAgent: BROWSER_UA },
    };
    const res = await post(`/v1/${type}`, message);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, accepted: 1 });
  });

  it('answers CORS preflight for browsers on other origins', async () => {
    const res = await SELF.fetch(`${EDGE}/v1/batch`, { method: 'OPTIONS', headers: { origin: 'https://shop.example' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('deduplication and timestamps', () => {
  it('stores a repeated messageId once', async () => {
    const message = trackMessage({ messageId: `dup-${crypto.randomUUID()}` });
    const first = await post('/v1/batch', { batch: [message, message] });
    expect(await first.json()).toMatchObject({ accepted: 1, duplicates: 1 });
    const again = await post('/v1/track', message);
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('corrects client clock skew with sentAt and flags it; rejects far-future, flags late', async () => {
    const marker = crypto.randomUUID();
    const skewMs = 2 * 60 * 60 * 1000;
    const clientNow = Date.now() + skewMs;
    const res = await post('/v1/batch', {
      sentAt: new Date(clientNow).toISOString(),
      batch: [
        trackMessage({ event: 'skewed', properties: { marker }, timestamp: new Date(clientNow - 5000).toISOString() }),
        trackMessage({ event: 'future', properties: { marker }, timestamp: new Date(Date.now() + 3 * 86400_000).toISOString(), sentAt: new Date().toISOString() }),
        trackMessage({ event: 'late', properties: { marker }, timestamp: new Date(Date.now() - 3 * 86400_000).toISOString(), sentAt: new Date().toISOString() }),
        trackMessage({ event: 'no-time', properties: { marker }, timestamp: undefined }),
      ],
    });
    const body = (await res.json()) as { accepted: number; rejected: { index: number; reason: string }[] };
    expect(body.accepted).toBe(3);
    expect(body.rejected).toEqual([{ index: 1, reason: expect.stringMatching(/^timestamp_in_future/) }]);
    await flush();
    const rows = (await readStoredRows()).filter((r) => r.properties.includes(marker));
    const byEvent = Object.fromEntries(rows.map((r) => [r.event, r]));
    expect(Math.abs(byEvent.skewed!.timestamp - (byEvent.skewed!.received_at - 5000))).toBeLessThan(2000);
    expect(byEvent.skewed!.quality_flags).toContain('clock_skew_corrected');
    expect(byEvent.late!.quality_flags).toContain('late');
    expect(byEvent['no-time']!.quality_flags).toContain('timestamp_missing');
  });
});

describe('bots', () => {
  it('drops crawlers, headless browsers and empty agents but counts them', async () => {
    const res = await post('/v1/batch', {
      batch: [
        trackMessage({ context: { userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } }),
        trackMessage({ context: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36' } }),
        trackMessage(),
      ],
    });
    expect(await res.json()).toMatchObject({ accepted: 1, bots: 2, rejected: [] });
    const empty = await post('/v1/track', trackMessage({ context: {} }), { headers: { 'user-agent': '' } });
    expect(await empty.json()).toMatchObject({ accepted: 0, bots: 1 });
    const live = await SELF.fetch(`${EDGE}/v1/sites/demo/live?minutes=5`, { headers: { authorization: 'Bearer demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' } });
    const body = (await live.json()) as { minutes: Record<string, number>[] };
    const total = (metric: string) => body.minutes.reduce((n, m) => n + (m[metric] ?? 0), 0);
    expect(total('bot:crawler')).toBeGreaterThanOrEqual(1);
    expect(total('bot:headless')).toBeGreaterThanOrEqual(1);
    expect(total('bot:empty_user_agent')).toBeGreaterThanOrEqual(1);
  });

  it('treats server-side SDK requests without a device agent as real events', async () => {
    const res = await post('/v1/track', trackMessage({ context: {} }), { headers: { 'user-agent': 'analytics-node-next/latest' } });
    expect(await res.json()).toMatchObject({ accepted: 1, bots: 0 });
  });
});

describe('rate limit', () => {
  it('429 with Retry-After once a client exceeds the limit', async () => {
    const ip = '203.0.113.77';
    // One burst of 45 (the limit is 20 per 10 s window): even a burst that straddles two windows has at most 40
    // allowed, whereas 30 requests one after another can take longer than a window on a busy machine.
    const responses = await Promise.all(Array.from({ length: 45 }, () => post('/v1/track', trackMessage(), { ip })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(20);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const limited = responses.find((r) => r.status === 429);
    expect(limited, 'a 429 in the burst').toBeDefined();
    expect(limited!.headers.get('retry-after')).toBe('10');
  });
});
