import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/alerts/webhook-retry';
import { MAX_BATCH_ATTEMPTS } from '../../src/audience/audience-delivery';
import type { SiteAudiences } from '../../src/audience/site-audiences';
import type { Env } from '../../src/env';
import { audiencesOf, catalogOf } from '../../src/stubs';
import { call, DAY_MS, hashedIdOf, hookUrl, received, restoreClock, setClock } from '../alerts/alert-helpers';
import { verifyWebhook } from '../alerts/verify-webhook';

const SITE = 'audience';
const SECRET = `test-webhook-secret-${SITE}`;
const members = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ id: hashedIdOf(from + i), channel: ['email', 'paid_search', 'social'][i % 3]!, score: Math.round(((i % 100) / 100) * 1000) / 1000 }));

async function deliver(body: Record<string, unknown>, role: 'read' | 'admin' | 'viewer' = 'read', site = SITE) {
  return call(site, role, 'POST', '/audiences/deliveries', body);
}

async function status(deliveryId: string) {
  const res = await call(SITE, 'read', 'GET', `/audiences/deliveries/${deliveryId}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function auditOf(deliveryId: string): Promise<{ action: string; actor: string; details: Record<string, unknown> }[]> {
  const audit = await call(SITE, 'admin', 'GET', '/audit?limit=500');
  return audit.body.entries.filter((e: { details: { deliveryId?: string } }) => e.details.deliveryId === deliveryId);
}

async function nextAlarm(): Promise<number | null> {
  return runInDurableObject(audiencesOf(env, SITE), (_instance, state) => state.storage.getAlarm());
}

async function storedBatches(deliveryId: string): Promise<number> {
  return runInDurableObject(audiencesOf(env, SITE), (_instance, state) =>
    state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM audience_batches WHERE delivery_id = ?`, deliveryId).one().n,
  );
}

/**
 * Runs the SiteAudiences alarm each time it is due, moving the simulated clock to it, until none is set; returns the
 * times it ran. The clock is in 2031, so the runtime never fires these alarms by itself.
 */
async function runAlarmsUntilIdle(maxRuns = 60): Promise<number[]> {
  const runs: number[] = [];
  for (let run = 0; run < maxRuns; run++) {
    const due = await nextAlarm();
    if (due === null) return runs;
    const at = Math.max(due, Date.now());
    setClock(at);
    runs.push(at);
    await runDurableObjectAlarm(audiencesOf(env, SITE));
  }
  throw new Error(`the audience queue was still busy after ${maxRuns} alarm runs`);
}

let clock = Date.UTC(2031, 0, 1);
beforeEach(() => {
  clock += DAY_MS;
  setClock(clock);
});
afterEach(async () => {
  await runAlarmsUntilIdle();
  restoreClock();
});

describe('audience delivery through the queue', () => {
  it('answers 202 before posting anything; the alarm posts batches of 1000, signed, and the audit log records request and outcome, never a member', async () => {
    const audience = members(2500);
    const res = await deliver({ name: 'At risk, March', source: 'model:churn-risk', members: audience });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const deliveryId = res.body.deliveryId as string;
    expect(res.body).toMatchObject({ site: SITE, status: 'queued', members: 2500, withChannel: 2500, batches: 3, batchesDelivered: 0, attempts: 0, destination: hookUrl('audience'), failure: null, finishedAt: null });
    expect(res.body.statusUrl).toBe(`/v1/sites/${SITE}/audiences/deliveries/${deliveryId}`);
    // Nothing left in the request: the receiver has nothing, the request is already audited.
    expect(await received('audience')).toHaveLength(0);
    expect((await auditOf(deliveryId)).map((e) => e.action)).toEqual(['audience.deliver']);
    expect(await nextAlarm()).toBe(clock);

    expect(await runAlarmsUntilIdle()).toEqual([clock]);
    expect(await status(deliveryId)).toMatchObject({
      status: 'delivered',
      batchesDelivered: 3,
      membersDelivered: 2500,
      attempts: 3,
      lastError: null,
      queuedAt: new Date(clock).toISOString(),
      finishedAt: new Date(clock).toISOString(),
      nextAttemptAt: null,
    });

    const posts = await received('audience');
    expect(posts).toHaveLength(3);
    const bodies = posts.map((p) => JSON.parse(p.body));
    expect(bodies.map((b) => b.batch)).toEqual([
      { index: 0, count: 3, size: 1000 },
      { index: 1, count: 3, size: 1000 },
      { index: 2, count: 3, size: 500 },
    ]);
    expect(bodies.every((b) => b.deliveryId === deliveryId && b.site === SITE && b.type === 'audience.batch' && b.sentAt === new Date(clock).toISOString())).toBe(true);
    expect(bodies[0].audience).toEqual({ id: deliveryId, name: 'At risk, March', source: 'model:churn-risk', size: 2500, channel: null, purpose: null, payload: 'basic', holdout: 0 });
    expect(bodies.flatMap((b) => b.members)).toEqual(audience);
    expect(posts.map((p) => p.headers['x-webhook-id'])).toEqual([0, 1, 2].map((i) => `${deliveryId}-${i}`));
    for (const post of posts) {
      expect(post.headers['x-webhook-timestamp']).toBe(String(clock / 1000));
      expect(verifyWebhook(SECRET, post.headers, post.body, clock / 1000)).toBe(true);
    }
    expect(await storedBatches(deliveryId)).toBe(0);

    const entries = await auditOf(deliveryId);
    expect(entries.map((e) => e.action)).toEqual(['audience.delivered', 'audience.deliver']);
    const facts = { deliveryId, name: 'At risk, March', source: 'model:churn-risk', members: 2500, destination: hookUrl('audience'), destinationHost: '127.0.0.1:8788', batches: 3 };
    expect(entries[1]).toMatchObject({ actor: 'config:analyst:0', details: { ...facts, tokenLabel: 'SITE_SECRETS config:analyst:0' } });
    expect(entries[0]).toMatchObject({ actor: 'config:analyst:0', details: { ...facts, status: 'delivered', membersDelivered: 2500, attempts: 3, failure: null } });
    expect(JSON.stringify(entries)).not.toContain(audience[0]!.id);
  });

  it('signs "<timestamp>.<body>": the documented check accepts the POST and refuses a changed body, a changed timestamp and a replay', async () => {
    const res = await deliver({ name: 'Signed', source: 'segment:x', members: members(1, 700) });
    expect(res.status).toBe(202);
    await runAlarmsUntilIdle();
    const post = (await received('audience')).find((p) => p.headers['x-webhook-id'] === `${res.body.deliveryId}-0`)!;
    const now = clock / 1000;
    expect(post.headers['x-webhook-signature']).toMatch(new RegExp(`^t=${now},v1=[0-9a-f]{64}$`));
    expect(verifyWebhook(SECRET, post.headers, post.body, now)).toBe(true);
    expect(verifyWebhook(SECRET, post.headers, post.body, now + 299)).toBe(true);

    expect(verifyWebhook(SECRET, post.headers, post.body.replace('"Signed"', '"Signed!"'), now)).toBe(false);
    expect(verifyWebhook('another-secret-of-16-chars', post.headers, post.body, now)).toBe(false);
    const laterTimestamp = { ...post.headers, 'x-webhook-timestamp': String(now + 60) };
    expect(verifyWebhook(SECRET, laterTimestamp, post.body, now + 60)).toBe(false);
    const resigned = { ...laterTimestamp, 'x-webhook-signature': post.headers['x-webhook-signature']!.replace(`t=${now}`, `t=${now + 60}`) };
    expect(verifyWebhook(SECRET, resigned, post.body, now + 60)).toBe(false);
    // The same request captured and sent again ten minutes later.
    expect(verifyWebhook(SECRET, post.headers, post.body, now + 600)).toBe(false);
  });

  it('retries a failing receiver with backoff from the alarm (same bytes, same id, a fresh signature each time), then delivers', async () => {
    const id = hashedIdOf(9001);
    const res = await deliver({ name: 'Flaky', source: 'segment:vip', webhookUrl: hookUrl('audience-flaky', '?fail=2'), members: [{ id: id.toUpperCase() }] });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const deliveryId = res.body.deliveryId as string;

    await runDurableObjectAlarm(audiencesOf(env, SITE));
    expect(await status(deliveryId)).toMatchObject({ status: 'delivering', attempts: 1, lastHttpStatus: 503, lastError: 'HTTP 503', nextAttemptAt: new Date(clock + retryDelayMs(1)).toISOString() });
    expect(await runAlarmsUntilIdle()).toEqual([clock + 30_000, clock + 90_000]);
    expect(await status(deliveryId)).toMatchObject({ status: 'delivered', attempts: 3, membersDelivered: 1, lastHttpStatus: 200, finishedAt: new Date(clock + 90_000).toISOString() });

    const posts = await received('audience-flaky');
    expect(posts.map((p) => p.status)).toEqual([503, 503, 200]);
    expect(new Set(posts.map((p) => p.body)).size).toBe(1);
    expect(new Set(posts.map((p) => p.headers['x-webhook-id'])).size).toBe(1);
    expect(posts.map((p) => Number(p.headers['x-webhook-timestamp']) * 1000)).toEqual([clock, clock + 30_000, clock + 90_000]);
    posts.forEach((post) => expect(verifyWebhook(SECRET, post.headers, post.body, Number(post.headers['x-webhook-timestamp']))).toBe(true));
    expect(JSON.parse(posts[2]!.body).members).toEqual([{ id }]);
    expect((await auditOf(deliveryId))[0]).toMatchObject({ action: 'audience.delivered', details: { attempts: 3, membersDelivered: 1 } });
  });

  it("waits as long as a receiver's Retry-After asks when that is longer than the backoff", async () => {
    const res = await deliver({ name: 'Throttled', source: 'segment:x', webhookUrl: hookUrl('audience-throttled', '?fail=1&failStatus=429&retryAfter=600'), members: members(1, 300) });
    expect(res.status).toBe(202);
    expect(await runAlarmsUntilIdle()).toEqual([clock, clock + 600_000]);
    expect((await received('audience-throttled')).map((p) => p.status)).toEqual([429, 200]);
    expect(await status(res.body.deliveryId)).toMatchObject({ status: 'delivered', attempts: 2, lastError: 'HTTP 429' });
  });

  it(`gives up after ${MAX_BATCH_ATTEMPTS} attempts on 5xx (at once on other 4xx), deletes the members and audits audience.delivery_failed`, async () => {
    const down = await deliver({ name: 'Down', source: 'segment:all', webhookUrl: hookUrl('audience-down', '?status=500'), members: members(3) });
    const rejecting = await deliver({ name: 'Rejected', source: 'segment:all', webhookUrl: hookUrl('audience-rejecting', '?status=400'), members: members(2) });
    expect([down.status, rejecting.status]).toEqual([202, 202]);
    const runs = await runAlarmsUntilIdle();
    const expected = [clock];
    for (let attempt = 1; attempt < MAX_BATCH_ATTEMPTS; attempt++) expected.push(expected.at(-1)! + retryDelayMs(attempt));
    expect(runs).toEqual(expected);

    const downId = down.body.deliveryId as string;
    expect(await status(downId)).toMatchObject({
      status: 'failed',
      attempts: MAX_BATCH_ATTEMPTS,
      batchesDelivered: 0,
      membersDelivered: 0,
      lastError: 'HTTP 500',
      failure: `batch 1 of 1: HTTP 500 (after ${MAX_BATCH_ATTEMPTS} attempts)`,
      nextAttemptAt: null,
      finishedAt: new Date(expected.at(-1)!).toISOString(),
    });
    expect(await received('audience-down')).toHaveLength(MAX_BATCH_ATTEMPTS);
    expect(await storedBatches(downId)).toBe(0);
    const [outcome] = await auditOf(downId);
    expect(outcome).toMatchObject({
      action: 'audience.delivery_failed',
      details: { deliveryId: downId, name: 'Down', members: 3, destinationHost: '127.0.0.1:8788', attempts: MAX_BATCH_ATTEMPTS, membersDelivered: 0, status: 'failed' },
    });

    expect(await status(rejecting.body.deliveryId)).toMatchObject({ status: 'failed', attempts: 1, failure: 'batch 1 of 1: HTTP 400' });
    const log = await call(SITE, 'read', 'GET', '/audiences/deliveries');
    expect(log.body.records.find((r: { deliveryId: string }) => r.deliveryId === downId)).toMatchObject({
      kind: 'webhook',
      status: 'failed',
      members: 3,
      membersDelivered: 0,
      attempts: MAX_BATCH_ATTEMPTS,
      failure: `batch 1 of 1: HTTP 500 (after ${MAX_BATCH_ATTEMPTS} attempts)`,
    });
  });

  it('carries on after the Durable Object restarts: the queue and the attempts are in storage', async () => {
    const res = await deliver({ name: 'Restarted', source: 'segment:x', webhookUrl: hookUrl('audience-restart', '?fail=1'), members: members(1200, 500) });
    expect(res.status).toBe(202);
    const stub = audiencesOf(env, SITE);
    await evictDurableObject(stub);
    await runDurableObjectAlarm(stub);
    expect(await status(res.body.deliveryId)).toMatchObject({ status: 'delivering', attempts: 1, batchesDelivered: 0 });
    await evictDurableObject(stub);
    expect(await runAlarmsUntilIdle()).toEqual([clock + 30_000]);
    expect(await status(res.body.deliveryId)).toMatchObject({ status: 'delivered', attempts: 3, batchesDelivered: 2, membersDelivered: 1200 });
    const posts = await received('audience-restart');
    expect(posts.map((p) => [JSON.parse(p.body).batch.index, p.status])).toEqual([
      [0, 503],
      [0, 200],
      [1, 200],
    ]);
    expect(posts[0]!.body).toBe(posts[1]!.body);
  });

  it('fails a queued delivery, without posting it, when the site lost its webhookSecret before it was sent', async () => {
    const res = await deliver({ name: 'Secret withdrawn', source: 'segment:x', members: members(1, 800) });
    expect(res.status).toBe(202);
    const before = (await received('audience')).length;
    await runInDurableObject(audiencesOf(env, SITE), async (instance: SiteAudiences) => {
      const self = instance as unknown as { env: Env };
      const realEnv = self.env;
      const secrets = JSON.parse(realEnv.SITE_SECRETS!) as Record<string, { webhookSecret?: string }>;
      delete secrets[SITE]!.webhookSecret;
      self.env = { ...realEnv, SITE_SECRETS: JSON.stringify(secrets) };
      try {
        await instance.deliverDue();
      } finally {
        self.env = realEnv;
      }
    });
    expect(await status(res.body.deliveryId)).toMatchObject({
      status: 'failed',
      attempts: 0,
      failure: `webhook not allowed: site "${SITE}" has no webhookSecret in SITE_SECRETS any more; audience deliveries are only sent signed`,
    });
    expect(await received('audience')).toHaveLength(before);
    expect((await auditOf(res.body.deliveryId)).map((e) => e.action)).toEqual(['audience.delivery_failed', 'audience.deliver']);
  });

  it('leaves out members erased after the delivery was queued', async () => {
    const audience = members(4, 900_000);
    const res = await deliver({ name: 'Erased meanwhile', source: 'segment:erased', members: audience });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await catalogOf(env, SITE).addErasedIds([audience[1]!.id], 'erasure-before-send');
    await runAlarmsUntilIdle();
    const post = (await received('audience')).find((p) => p.headers['x-webhook-id'] === `${res.body.deliveryId}-0`)!;
    const sent = JSON.parse(post.body) as { members: { id: string }[] };
    expect(sent.members.map((m) => m.id)).toEqual([audience[0]!.id, audience[2]!.id, audience[3]!.id]);
    expect(await status(res.body.deliveryId as string)).toMatchObject({ status: 'delivered', membersDelivered: 3 });
  });

  it('a delivery larger than one alarm run (25 POSTs) goes on in the next run', async () => {
    const res = await deliver({ name: 'Large', source: 'segment:everyone', webhookUrl: hookUrl('audience-large'), members: members(26_000, 10_000) });
    expect(res.status).toBe(202);
    expect(res.body.batches).toBe(26);
    expect(await runAlarmsUntilIdle()).toEqual([clock, clock]);
    expect(await status(res.body.deliveryId)).toMatchObject({ status: 'delivered', attempts: 26, membersDelivered: 26_000 });
    expect((await received('audience-large')).map((p) => JSON.parse(p.body).batch.index)).toEqual(Array.from({ length: 26 }, (_, i) => i));
  });
});

describe('audience delivery refusals', () => {
  it('refuses webhooks outside the allow-list (400), sites without one (409) and sites without a webhookSecret (409); CSV exports still work there', async () => {
    const outside = await deliver({ name: 'x', source: 'segment:x', webhookUrl: 'https://collector.example.com/audiences', members: members(1) });
    expect(outside.status).toBe(400);
    expect(outside.body).toMatchObject({ error: 'webhook_not_allowed', message: "webhookUrl: https://collector.example.com/audiences is not one of this site's audienceWebhookUrls (configured in SITES)" });
    const none = await deliver({ name: 'x', source: 'segment:x', members: members(1) }, 'read', 'audience-none');
    expect(none.status).toBe(409);
    expect(none.body.error).toBe('no_audience_webhook');

    const unsigned = await deliver({ name: 'x', source: 'segment:x', members: members(1) }, 'read', 'audience-unsigned');
    expect(unsigned.status).toBe(409);
    expect(unsigned.body).toMatchObject({ error: 'webhook_secret_required' });
    expect(unsigned.body.message).toBe(
      'site "audience-unsigned" has no webhookSecret in SITE_SECRETS: audience deliveries are always signed, so an operator must set one (at least 16 characters) first; CSV exports are not affected',
    );
    expect(await received('audience-unsigned')).toHaveLength(0);
    const csv = await call('audience-unsigned', 'read', 'POST', '/audiences/exports', { name: 'x', source: 'segment:x', count: 3, format: 'csv' });
    expect(csv.status).toBe(201);
  });

  it('viewers may not deliver or read deliveries (403); admins may deliver', async () => {
    const viewer = await deliver({ name: 'x', source: 'segment:x', members: members(1) }, 'viewer');
    expect(viewer.status).toBe(403);
    expect(viewer.body).toMatchObject({ error: 'insufficient_role', required: 'analyst' });
    expect((await call(SITE, 'viewer', 'GET', '/audiences/deliveries')).status).toBe(403);
    expect((await call(SITE, 'viewer', 'GET', '/audiences/deliveries/0123456789abcdef')).status).toBe(403);
    expect((await call(SITE, 'viewer', 'POST', '/audiences/exports', { name: 'x', source: 'segment:x', count: 1, format: 'csv' })).status).toBe(403);
    expect((await deliver({ name: 'By admin', source: 'segment:x', members: members(1, 50) }, 'admin')).status).toBe(202);
  });

  it('the listing looks up a page of up to 500 deliveries at once (Durable Object SQLite binds at most 100 parameters)', async () => {
    const res = await deliver({ name: 'Looked up', source: 'segment:x', members: members(1, 850) });
    const ids = [...Array.from({ length: 499 }, (_, i) => i.toString(16).padStart(16, '0')), res.body.deliveryId as string];
    const found = await audiencesOf(env, SITE).deliveries(ids);
    expect(found.map((d) => [d.deliveryId, d.status])).toEqual([[res.body.deliveryId, 'queued']]);
  });

  it('a churn risk list: each member arrives with its score and drivers, payload "risk", the holdout kept back', async () => {
    const atRisk = Array.from({ length: 400 }, (_, i) => ({
      id: hashedIdOf(20_000 + i),
      score: Math.round((0.99 - i / 1000) * 1e6) / 1e6,
      drivers: [
        { feature: 'recency_days', value: 12 + (i % 7), contribution: 0.84 },
        { feature: 'session_trend', value: -0.4, contribution: 0.31 },
      ],
    }));
    const res = await deliver({ name: 'Churn risk, warned 7 days ahead', source: 'model:churn', audienceId: 'churn-at-risk', holdout: 0.2, members: atRisk });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await runAlarmsUntilIdle();
    const done = await status(res.body.deliveryId as string);
    expect(done).toMatchObject({ status: 'delivered', payload: 'risk', holdout: { share: 0.2 } });
    const heldOut = done.holdout.heldOut as number;
    // 20 % of 400 drawn at random: far from none and from all.
    expect(heldOut).toBeGreaterThan(40);
    expect(heldOut).toBeLessThan(120);
    const bodies = (await received('audience')).filter((p) => p.headers['x-webhook-id']?.startsWith(res.body.deliveryId as string)).map((p) => JSON.parse(p.body));
    expect(bodies[0].audience).toMatchObject({ id: 'churn-at-risk', payload: 'risk', holdout: 0.2 });
    const sent = bodies.flatMap((b) => b.members);
    expect(sent).toHaveLength(400 - heldOut);
    const byId = new Map(atRisk.map((m) => [m.id, m]));
    for (const member of sent) expect(member).toEqual(byId.get(member.id));
  });

  it('one delivery: 400 for a malformed id, 404 for an unknown one', async () => {
    const bad = await call(SITE, 'read', 'GET', '/audiences/deliveries/not-an-id');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_parameter', message: 'delivery id: expected 16 hex characters, got "not-an-id"' });
    const unknown = await call(SITE, 'read', 'GET', '/audiences/deliveries/0123456789abcdef');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('delivery_not_found');
  });
});

describe('audience validation: hashed ids only', () => {
  const base = { name: 'x', source: 'segment:x' };
  it.each([
    [{ ...base, members: [{ id: hashedIdOf(1) }, { id: 'customer-4711' }] }, 'members[1].id: expected a hashed id of 32 hex characters (the pseudonym in the user_id / anonymous_id columns), not a raw identifier'],
    [{ ...base, members: [{ id: 'jane@example.com' }] }, 'members[0].id: expected a hashed id of 32 hex characters'],
    [{ ...base, members: [{ id: hashedIdOf(1), email: 'jane@example.com' }] }, 'members[0]: Unrecognized key: "email"'],
    [{ ...base, members: [{ id: hashedIdOf(1) }, { id: hashedIdOf(2) }, { id: hashedIdOf(1) }] }, 'members[2].id: repeats members[0].id'],
    [{ ...base, members: [{ id: hashedIdOf(1), score: 'high' }] }, 'members[0].score: must be a number'],
    [{ ...base, members: [{ id: hashedIdOf(1), channel: 'e<mail>' }] }, 'members[0].channel: letters, digits, space and _ . : / - only'],
    [{ ...base, members: [] }, 'members: at least one member'],
    [{ ...base }, 'members: required: an array of {"id", "channel"?, "score"?}'],
    [{ ...base, source: 'segments:x', members: [{ id: hashedIdOf(1) }] }, 'source: expected "segment:<name>" or "model:<name>"'],
    [{ source: 'segment:x', members: [{ id: hashedIdOf(1) }] }, 'name: required: a name for the audience'],
    [{ ...base, members: [{ id: hashedIdOf(1), score: 0.9, drivers: [{ feature: 'recency_days', value: 'x', contribution: 1 }] }] }, 'members[0].drivers[0].value: must be a number'],
    [{ ...base, members: [{ id: hashedIdOf(1), drivers: [{ feature: 'recency_days', value: 1, contribution: 1, email: 'a@b.c' }] }] }, 'members[0].drivers[0]: Unrecognized key: "email"'],
    [{ ...base, members: [{ id: hashedIdOf(1), drivers: Array.from({ length: 11 }, () => ({ feature: 'f', value: 1, contribution: 1 })) }] }, 'members[0].drivers: at most 10 drivers'],
    [{ ...base, payload: 'risk', members: [{ id: hashedIdOf(1), score: 0.9 }] }, 'payload: "risk" needs a score and drivers on the members'],
  ])('%j', async (body, message) => {
    const res = await deliver(body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toBe('invalid_audience');
    expect(res.body.message).toContain(message);
  });

  it('at most 50000 members per delivery', async () => {
    const res = await deliver({ ...base, members: Array.from({ length: 50_001 }, (_, i) => ({ id: i.toString(16).padStart(32, '0') })) });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('members: at most 50000 per delivery; split larger audiences');
  });
});

describe('CSV exports made in the browser', () => {
  it('are recorded and listed with webhook deliveries, newest first, each delivery with its status', async () => {
    const queued = await deliver({ name: 'Still queued', source: 'segment:x', members: members(2, 900) });
    expect(queued.status).toBe(202);
    const recorded = await call(SITE, 'read', 'POST', '/audiences/exports', { name: 'Recommended: P-42', source: 'model:recommend-p42', count: 1234, format: 'csv' });
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    expect(recorded.body.export).toMatchObject({ kind: 'csv', by: 'config:analyst:0', members: 1234, format: 'csv' });
    const bad = await call(SITE, 'read', 'POST', '/audiences/exports', { name: 'x', source: 'model:y', count: -1, format: 'xlsx' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^count: at least 0; format: expected "csv"/);

    const log = await call(SITE, 'read', 'GET', '/audiences/deliveries?limit=2');
    expect(log.status).toBe(200);
    expect(log.body.records[0]).toMatchObject({ kind: 'csv', status: 'recorded', name: 'Recommended: P-42', source: 'model:recommend-p42', members: 1234, by: 'config:analyst:0', destination: null });
    expect(log.body.records[1]).toMatchObject({ kind: 'webhook', status: 'queued', deliveryId: queued.body.deliveryId, members: 2, attempts: 0, nextAttemptAt: new Date(clock).toISOString() });
    expect(log.body.next).toBe(log.body.records[1].id);
    const older = await call(SITE, 'read', 'GET', `/audiences/deliveries?before=${log.body.next}&limit=500`);
    expect(older.body.records.map((r: { name: string; status: string }) => [r.name, r.status])).toEqual([
      ['Churn risk, warned 7 days ahead', 'delivered'],
      ['Looked up', 'delivered'],
      ['By admin', 'delivered'],
      ['Large', 'delivered'],
      ['Erased meanwhile', 'delivered'],
      ['Secret withdrawn', 'failed'],
      ['Restarted', 'delivered'],
      ['Rejected', 'failed'],
      ['Down', 'failed'],
      ['Throttled', 'delivered'],
      ['Flaky', 'delivered'],
      ['Signed', 'delivered'],
      ['At risk, March', 'delivered'],
    ]);
  });
});
