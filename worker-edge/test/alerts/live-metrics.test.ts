import { afterEach, describe, expect, it } from 'vitest';
import { call, ingestNow, MINUTE_MS, restoreClock, setClock } from './alert-helpers';

const SITE = 'counting';
const T = Date.UTC(2031, 7, 20, 10, 0);

const track = (event: string, ids: { userId?: string; anonymousId?: string }, id: string) => ({ type: 'track', event, messageId: id, ...ids, properties: {} });

afterEach(() => restoreClock());

describe('per-minute events, persons and conversions', () => {
  it('counts accepted events, distinct persons (user id, else anonymous id) and the site\'s conversion events, per minute over every shard', async () => {
    setClock(T + 5_000);
    await ingestNow(SITE, [
      track('Product Viewed', { anonymousId: 'a1' }, 'm1'),
      track('Product Viewed', { anonymousId: 'a1' }, 'm2'),
      track('Order Completed', { anonymousId: 'a1', userId: 'u1' }, 'm3'),
      track('Signed Up', { userId: 'u2' }, 'm4'),
      track('Order Completed', { anonymousId: 'a3' }, 'm5'),
      { type: 'page', name: 'Order Completed', anonymousId: 'a4', messageId: 'm6' },
    ]);
    // A duplicate, a bot and a rejected message count as none of the three.
    await ingestNow(SITE, [
      track('Order Completed', { anonymousId: 'a1' }, 'm5'),
      { ...track('Order Completed', { anonymousId: 'bot' }, 'm7'), context: { userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' } },
      { type: 'track', anonymousId: 'a9', messageId: 'm8' },
      track('Product Viewed', { anonymousId: 'a5' }, 'm9'),
    ]);
    setClock(T + MINUTE_MS + 5_000);
    await ingestNow(SITE, [track('Order Completed', { anonymousId: 'a1' }, 'm10'), track('Product Viewed', { anonymousId: 'a1' }, 'm11')]);

    const res = await call(SITE, 'viewer', 'GET', '/metrics?minutes=3');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.minutes).toEqual([
      { minute: new Date(T - MINUTE_MS).toISOString(), events: 0, persons: 0, conversions: 0 },
      // a1, u1 (the order carries a user id), u2, a3, a4 and, from the second request, a5.
      { minute: new Date(T).toISOString(), events: 7, persons: 6, conversions: 3 },
      { minute: new Date(T + MINUTE_MS).toISOString(), events: 2, persons: 1, conversions: 1 },
    ]);
    const live = await call(SITE, 'viewer', 'GET', '/live?minutes=2');
    expect(live.body.minutes[0]).toMatchObject({ accepted: 7, conversions: 3, duplicate: 1 });
  });

  it('400 for minutes outside 1-2880', async () => {
    const res = await call(SITE, 'viewer', 'GET', '/metrics?minutes=2881');
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('minutes: expected an integer from 1 to 2880, got "2881"');
  });
});
