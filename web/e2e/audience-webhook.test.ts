/**
 * From "save segment as audience" to a signed webhook, in Chromium against a real edge under wrangler dev: the
 * dashboard runs the starter segment, an admin records marketing consent for some of its members through the consent
 * API (one then withdraws), the analyst sends the segment as an e-mail audience with a holdout, and a receiver on
 * 127.0.0.1 gets the batch: signed `t=,v1=` with the site's secret, only members with consent and outside the
 * holdout, each with the hashed e-mail key the events carried; the page reports what was held out and suppressed.
 * Then the segment is saved, the Models view recommends products for it, and that recommendation audience reaches the
 * webhook with each member's top items, scores and reasons, signed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
import { isHeldOut } from '@privacy-analytics/core/edge-api';
import { connectDashboard, DEFAULT_EDGE_VARS, DEMO, flushEdge, freePort, launchChromium, serveDashboard, startFilledEdge, type FilledEdge, type ServedApp } from '@privacy-analytics/scripts/harness';

const SECRET = 'e2e-webhook-secret-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';
const HASH_KEY = (JSON.parse(DEFAULT_EDGE_VARS.SITE_SECRETS!) as { demo: { hashKey: string } }).demo.hashKey;
const EVENTS = 6000;
const DAYS = 7;
const pseudonym = (value: string) => createHmac('sha256', HASH_KEY).update(value).digest('hex').slice(0, 32);
/** Raw user id of each pseudonym, for the demo users that were given an e-mail address. */
const rawIdOf = new Map<string, string>();
const POLL = { timeout: 90_000 };

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let edge: FilledEdge;
let app: ServedApp;
let browser: Browser;
let page: Page;
let receiver: Server;
let hookUrl: string;
const received: Received[] = [];

function verify(post: Received): boolean {
  const timestamp = String(post.headers['x-webhook-timestamp'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(post.headers['x-webhook-signature'] ?? ''));
  if (!match || match[1] !== timestamp) return false;
  const expected = createHmac('sha256', SECRET).update(`${timestamp}.${post.body}`).digest('hex');
  return timingSafeEqual(Buffer.from(expected), Buffer.from(match[2]!));
}

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${edge.url}/v1/sites/${DEMO.site}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEMO.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  const hookPort = await freePort();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(hookPort, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${hookPort}/hooks/audiences`;
  const appPort = await freePort();
  edge = await startFilledEdge({
    appOrigins: [`http://127.0.0.1:${appPort}`],
    events: EVENTS,
    days: DAYS,
    site: { audienceWebhookUrls: [hookUrl] },
    secrets: { webhookSecret: SECRET },
    vars: { ALLOW_LOOPBACK_WEBHOOKS: 'true' },
  });
  // Every demo user tells the shop an e-mail address (identify traits): the edge hashes it into `$ids`.
  const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  const start = today - DAYS * 86_400_000;
  // Visitors who never log in are persons under their anonymous id: they give an address too (earlier, so that a
  // person who logs in keeps their user's address).
  const users = new Set<string>();
  const visitors = new Set<string>();
  for (const message of generateDemoEvents({ seed: 7, events: EVENTS, start: new Date(start), days: DAYS })) {
    if (message.userId) users.add(message.userId);
    else if (message.anonymousId) visitors.add(message.anonymousId);
  }
  const identifies = [
    ...[...visitors].map((anonymousId, i) => ({ type: 'identify', anonymousId, messageId: `e2e-visitor-${i}`, timestamp: new Date(today - 13 * 3_600_000).toISOString(), traits: { email: `${anonymousId}@example.com` } })),
    ...[...users].map((userId, i) => ({ type: 'identify', userId, messageId: `e2e-email-${i}`, timestamp: new Date(today - 12 * 3_600_000).toISOString(), traits: { email: `${userId}@example.com` } })),
  ];
  for (let i = 0; i < identifies.length; i += 200) {
    const res = await fetch(`${edge.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO.writeKey}:`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ batch: identifies.slice(i, i + 200) }),
    });
    if (!res.ok) throw new Error(`identify: ${res.status} ${await res.text()}`);
  }
  await flushEdge(edge.url);
  for (const id of [...visitors, ...users]) rawIdOf.set(pseudonym(id), id);
  app = await serveDashboard(inject('dashboardDir'), appPort);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1360, height: 1000 }, acceptDownloads: true });
  page = await context.newPage();
}, 600_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await edge?.kill().catch(() => undefined);
  await new Promise((resolve) => receiver?.close(resolve));
}, 60_000);

describe('an audience from the Segments view to a signed webhook', () => {
  it('sends only members with e-mail consent outside the holdout, with their hashed e-mail key, signed', async () => {
    await connectDashboard(page, app.url, { edgeUrl: edge.url, site: DEMO.site, token: DEMO.readToken });
    await page.getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('form', { name: 'Segment builder' }).getByRole('button', { name: 'Run segment' }).click();
    try {
      await expect.poll(async () => Number((await page.locator('[data-segment-size]').count()) ? await page.locator('[data-segment-size]').getAttribute('data-segment-size') : 0), POLL).toBeGreaterThan(10);
    } catch (error) {
      if (process.env.AUDIENCE_E2E_DEBUG) await page.screenshot({ path: process.env.AUDIENCE_E2E_DEBUG, fullPage: true });
      throw error;
    }
    await page.getByLabel('Segment name').fill('Spring buyers');

    // The members' pseudonyms, as the view exports them; consent for twelve, of whom one withdraws again.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export member ids (CSV)' }).click()]);
    const members = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/).slice(1).map((line) => line.split(',')[0]!.replaceAll('"', ''));
    expect(members.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    const consented = members.slice(0, 12);
    const granted = await admin('POST', '/consent', { records: consented.map((hashedId) => ({ hashedId, purpose: 'email', granted: true, source: 'e2e:crm' })) });
    expect(granted.status, JSON.stringify(granted.body)).toBe(201);
    expect((await admin('POST', '/consent', { hashedId: consented[0], purpose: 'marketing', granted: false, source: 'e2e:app' })).status).toBe(201);

    const audience = page.getByRole('group', { name: 'Export audience Spring buyers' });
    await audience.getByLabel('Destination channel').selectOption('email');
    await audience.getByLabel('Holdout percent').fill('20');
    await audience.getByLabel('Quiet days after an order').fill('0');
    await audience.getByRole('button', { name: 'Send to webhook' }).click();
    await expect.poll(() => audience.getByRole('status').textContent(), POLL).toContain('Delivered');

    const expected = consented.slice(1).filter((id) => !isHeldOut('spring-buyers', id, 0.2));
    const batches = received.map((post) => ({ post, payload: JSON.parse(post.body) as { audience: Record<string, unknown>; members: { id: string; address?: string }[] } }));
    expect(batches.length).toBeGreaterThan(0);
    for (const { post } of batches) expect(verify(post)).toBe(true);
    const sent = batches.flatMap((b) => b.payload.members);
    expect(sent.map((m) => m.id).sort()).toEqual(expected.sort());
    expect(batches[0]!.payload.audience).toMatchObject({ id: 'spring-buyers', channel: 'email', purpose: 'marketing:email', holdout: 0.2 });
    // Each member carries the hashed e-mail key of the address their events gave, never the address.
    for (const m of sent) {
      expect(rawIdOf.has(m.id), m.id).toBe(true);
      expect(m.address, m.id).toBe(`email:${pseudonym(`${rawIdOf.get(m.id)}@example.com`.toLowerCase())}`);
    }
    expect(JSON.stringify(batches.map((b) => b.payload))).not.toContain('@example.com');
    const status = await audience.getByRole('status').textContent();
    expect(status).toContain(`Delivered ${expected.length} of ${members.length} persons`);
    expect(status).toMatch(/kept back as the holdout/);
    expect(status).toMatch(/no consent/);
  });

  it('saves the segment, and its per-member recommendations reach the webhook as items with scores and reasons, signed', async () => {
    await page.getByRole('button', { name: 'Save segment' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Saved segments' }).textContent(), POLL).toContain('Spring buyers');
    await page.getByRole('link', { name: 'Models' }).click();
    const group = page.getByRole('group', { name: 'Recommendations for a saved segment' });
    const select = group.locator('select');
    await select.focus();
    await expect.poll(() => select.locator('option', { hasText: 'Spring buyers' }).count(), POLL).toBe(1);
    await select.selectOption({ label: 'Spring buyers' });
    await group.getByRole('button', { name: 'Recommended for this segment' }).click();
    const audience = page.getByRole('group', { name: 'Export audience Recommended for Spring buyers' });
    await expect.poll(() => audience.isVisible(), POLL).toBe(true);
    await audience.getByLabel('Holdout percent').fill('0');
    const before = received.length;
    await audience.getByRole('button', { name: 'Send to webhook' }).click();
    await expect.poll(() => audience.getByRole('status').textContent(), POLL).toContain('Delivered');

    const batches = received.slice(before).map((post) => ({ post, payload: JSON.parse(post.body) as { audience: Record<string, unknown>; members: { id: string; items?: { item: string; score: number; reason?: string }[] }[] } }));
    expect(batches.length).toBeGreaterThan(0);
    for (const { post } of batches) expect(verify(post)).toBe(true);
    expect(batches[0]!.payload.audience).toMatchObject({ payload: 'recommendations' });
    const sent = batches.flatMap((b) => b.payload.members);
    expect(sent.length).toBeGreaterThan(10);
    const withItems = sent.filter((m) => m.items?.length);
    expect(withItems.length).toBe(sent.length);
    for (const m of withItems) {
      expect(m.items!.length).toBeLessThanOrEqual(10);
      for (const item of m.items!) {
        expect(item.item).toMatch(/\S/);
        expect(Number.isFinite(item.score)).toBe(true);
        expect(item.reason ?? '').toMatch(/\S/);
      }
      // best first
      expect(m.items!.map((i) => i.score)).toEqual([...m.items!.map((i) => i.score)].sort((a, b) => b - a));
    }
  });
});
