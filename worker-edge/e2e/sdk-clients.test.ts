import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startLocalEdge, type LocalEdge } from '@privacy-analytics/scripts/harness';
import { flushAndReadBack } from './read-back';

const HASH_KEY = 'e2e-hash-key-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';
const pseudonym = (id: string) => createHmac('sha256', HASH_KEY).update(id).digest('hex').slice(0, 32);

let edge: LocalEdge;
beforeAll(async () => {
  edge = await startLocalEdge();
});
afterAll(async () => {
  await edge?.stop();
});

describe('real Segment-spec SDKs pointed at the local collector', () => {
  it('@segment/analytics-node: every call arrives, field by field', async () => {
    const analytics = new SegmentAnalytics({ writeKey: DEMO.writeKey, host: edge.url, flushAt: 5, flushInterval: 200, maxRetries: 2 });
    const at = new Date(Date.now() - 60_000);
    analytics.identify({ userId: 'seg-user-1', anonymousId: 'seg-anon-1', traits: { plan: 'pro', email: 'seg@example.com' }, timestamp: at });
    analytics.track({
      userId: 'seg-user-1',
      event: 'Order Completed',
      properties: { order_id: 'seg-o-1', revenue: 99.9, currency: 'eur', products: [{ product_id: 'p-9', price: 99.9, quantity: 1 }], coupon: 'WINTER' },
      timestamp: at,
      context: { campaign: { source: 'newsletter', medium: 'email', name: 'winter' } },
    });
    analytics.page({ userId: 'seg-user-1', name: 'Pricing', properties: { url: 'https://shop.example/pricing?utm_source=google&utm_medium=cpc&gclid=abc', title: 'Pricing' }, timestamp: at });
    analytics.screen({ userId: 'seg-user-1', name: 'Home screen', timestamp: at });
    analytics.group({ userId: 'seg-user-1', groupId: 'company-1', traits: { name: 'ACME' }, timestamp: at });
    analytics.alias({ userId: 'seg-user-1', previousId: 'seg-anon-1', timestamp: at });
    await analytics.closeAndFlush({ timeout: 10_000 });

    const rows = (await flushAndReadBack(edge.url, DEMO.site, { admin: DEMO.adminToken, read: DEMO.readToken })).filter(
      (r) => r.user_id === pseudonym('seg-user-1'),
    );
    expect(rows.map((r) => r.type).sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    for (const row of rows) {
      expect(Math.abs(row.timestamp - at.getTime())).toBeLessThan(5_000);
      expect(row.library).toBe('@segment/analytics-node');
      expect(row.site).toBe('demo');
      expect(row.device_type).toBe('server');
    }
    const by = Object.fromEntries(rows.map((r) => [r.type, r]));
    expect(by.identify).toMatchObject({ anonymous_id: pseudonym('seg-anon-1'), event: 'identify' });
    // the hashed e-mail also as the contact key identity mapping links on (core ingest/contact-keys.ts)
    expect(JSON.parse(by.identify!.properties)).toEqual({ plan: 'pro', email: pseudonym('seg@example.com'), $ids: `email:${pseudonym('seg@example.com')}` });
    expect(by.track).toMatchObject({ event: 'Order Completed', order_id: 'seg-o-1', revenue: 99.9, currency: 'EUR', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'winter', channel: 'email' });
    expect(JSON.parse(by.track!.properties)).toEqual({ products: [{ product_id: 'p-9', price: 99.9, quantity: 1 }], coupon: 'WINTER' });
    expect(by.page).toMatchObject({ name: 'Pricing', page_path: '/pricing', page_title: 'Pricing', utm_source: 'google', utm_medium: 'cpc', channel: 'paid_search' });
    expect(by.page!.page_url).not.toContain('gclid');
    expect(by.screen).toMatchObject({ event: 'screen', name: 'Home screen' });
    expect(by.group).toMatchObject({ group_id: pseudonym('company-1') });
    expect(by.alias).toMatchObject({ previous_id: pseudonym('seg-anon-1') });
  });

  it('@rudderstack/rudder-sdk-node (gzip bodies): every call arrives, field by field', async () => {
    const errors: unknown[] = [];
    const client = new RudderAnalytics(DEMO.writeKey, { dataPlaneUrl: edge.url, flushAt: 3, flushInterval: 200, retryCount: 1, errorHandler: (e) => errors.push(e) });
    const at = new Date(Date.now() - 30_000);
    client.identify({ userId: 'rs-user-1', anonymousId: 'rs-anon-1', traits: { phone: '+86 138 0013 8000', plan: 'free' }, timestamp: at });
    client.track({ userId: 'rs-user-1', event: 'Product Added', properties: { product_id: 'p-2', category: 'beauty', price: '12.50', quantity: 2 }, timestamp: at });
    client.page({ anonymousId: 'rs-anon-1', name: 'Home', properties: { url: 'https://shop.example/?ref=partner&token=secret', path: '/' }, timestamp: at, context: { page: { referrer: 'https://www.baidu.com/s?wd=shoes' } } });
    await new Promise<void>((resolve) => client.flush(() => resolve()));
    expect(errors).toEqual([]);

    const all = await flushAndReadBack(edge.url, DEMO.site, { admin: DEMO.adminToken, read: DEMO.readToken });
    const rows = all.filter((r) => r.user_id === pseudonym('rs-user-1') || r.anonymous_id === pseudonym('rs-anon-1'));
    expect(rows.map((r) => r.type).sort()).toEqual(['identify', 'page', 'track']);
    const by = Object.fromEntries(rows.map((r) => [r.type, r]));
    expect(JSON.parse(by.identify!.properties)).toEqual({ phone: pseudonym('+8613800138000'), plan: 'free', $ids: `phone:${pseudonym('+8613800138000')}` });
    expect(by.track).toMatchObject({ event: 'Product Added', product_id: 'p-2', category: 'beauty', price: 12.5, quantity: 2 });
    expect(by.page).toMatchObject({ page_path: '/', referrer_host: 'baidu.com', channel: 'organic_search' });
    expect(by.page!.page_url).toBe('https://shop.example/?ref=partner');
    for (const row of rows) {
      expect(Math.abs(row.timestamp - at.getTime())).toBeLessThan(5_000);
      expect(row.library).toBe('analytics-node'); // RudderStack's Node SDK names itself so
    }
  });
});
