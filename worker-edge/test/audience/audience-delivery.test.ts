import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, hashedIdOf, hookUrl, received } from '../alerts/alert-helpers';

const SITE = 'audience';
const members = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ id: hashedIdOf(from + i), channel: ['email', 'paid_search', 'social'][i % 3]!, score: Math.round(((i % 100) / 100) * 1000) / 1000 }));

async function deliver(body: Record<string, unknown>, role: 'read' | 'admin' | 'viewer' = 'read', site = SITE) {
  return call(site, role, 'POST', '/audiences/deliveries', body);
}

describe('audience delivery to a webhook', () => {
  it('posts hashed ids in batches of 1000 to the default allow-listed webhook and logs who, when, how many and where, never the members', async () => {
    const audience = members(2500);
    const res = await deliver({ name: 'At risk, March', source: 'model:churn-risk', members: audience });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ site: SITE, status: 'delivered', members: 2500, withChannel: 2500, batches: 3, batchesDelivered: 3, membersDelivered: 2500, attempts: 3, destination: hookUrl('audience'), failure: null });

    const posts = await received('audience');
    expect(posts).toHaveLength(3);
    const bodies = posts.map((p) => JSON.parse(p.body));
    expect(bodies.map((b) => b.batch)).toEqual([
      { index: 0, count: 3, size: 1000 },
      { index: 1, count: 3, size: 1000 },
      { index: 2, count: 3, size: 500 },
    ]);
    expect(bodies.every((b) => b.deliveryId === res.body.deliveryId && b.site === SITE && b.type === 'audience.batch')).toBe(true);
    expect(bodies[0].audience).toEqual({ name: 'At risk, March', source: 'model:churn-risk', size: 2500 });
    expect(bodies.flatMap((b) => b.members)).toEqual(audience);
    expect(posts.map((p) => p.headers['x-webhook-id'])).toEqual([0, 1, 2].map((i) => `${res.body.deliveryId}-${i}`));
    expect(posts[0]!.headers['x-webhook-signature']).toBe(`sha256=${createHmac('sha256', `test-webhook-secret-${SITE}`).update(posts[0]!.body).digest('hex')}`);

    const audit = await call(SITE, 'admin', 'GET', '/audit');
    const entries = audit.body.entries.filter((e: { details: { deliveryId?: string } }) => e.details.deliveryId === res.body.deliveryId);
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['audience.delivered', 'audience.deliver']);
    expect(entries[1]).toMatchObject({
      actor: 'config:analyst:0',
      details: { name: 'At risk, March', source: 'model:churn-risk', members: 2500, destination: hookUrl('audience'), batches: 3, tokenLabel: 'SITE_SECRETS config:analyst:0' },
    });
    expect(entries[0].details).toMatchObject({ status: 'delivered', membersDelivered: 2500 });
    expect(JSON.stringify(audit.body)).not.toContain(audience[0]!.id);
  });

  it('accepts upper-case hex and a listed webhookUrl; retries a batch that fails once', async () => {
    const id = hashedIdOf(9001);
    const res = await deliver({ name: 'Flaky', source: 'segment:vip', webhookUrl: hookUrl('audience-flaky', '?fail=1'), members: [{ id: id.toUpperCase() }] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'delivered', attempts: 2, withChannel: 0 });
    const posts = await received('audience-flaky');
    expect(posts.map((p) => p.status)).toEqual([503, 200]);
    expect(JSON.parse(posts[1]!.body).members).toEqual([{ id }]);
  });

  it('502 when the webhook keeps failing; the audit log records the failure', async () => {
    const res = await deliver({ name: 'Down', source: 'segment:all', webhookUrl: hookUrl('audience-down', '?status=500'), members: members(3) });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: 'webhook_failed', status: 'failed', batchesDelivered: 0, membersDelivered: 0, attempts: 3, failure: 'batch 1 of 1: HTTP 500' });
    expect(res.body.message).toMatch(/^audience delivery [0-9a-f]{16} stopped: batch 1 of 1: HTTP 500$/);
    const log = await call(SITE, 'read', 'GET', '/audiences/deliveries');
    expect(log.body.records.find((r: { deliveryId: string }) => r.deliveryId === res.body.deliveryId)).toMatchObject({ kind: 'webhook', status: 'failed', members: 3, membersDelivered: 0, failure: 'batch 1 of 1: HTTP 500' });
  });

  it('refuses webhooks outside the allow-list (400) and sites without one (409)', async () => {
    const outside = await deliver({ name: 'x', source: 'segment:x', webhookUrl: 'https://collector.example.com/audiences', members: members(1) });
    expect(outside.status).toBe(400);
    expect(outside.body).toMatchObject({ error: 'webhook_not_allowed', message: "webhookUrl: https://collector.example.com/audiences is not one of this site's audienceWebhookUrls (configured in SITES)" });
    const none = await deliver({ name: 'x', source: 'segment:x', members: members(1) }, 'read', 'audience-none');
    expect(none.status).toBe(409);
    expect(none.body.error).toBe('no_audience_webhook');
  });

  it('viewers may not export audiences (403); admins may', async () => {
    const viewer = await deliver({ name: 'x', source: 'segment:x', members: members(1) }, 'viewer');
    expect(viewer.status).toBe(403);
    expect(viewer.body).toMatchObject({ error: 'insufficient_role', required: 'analyst' });
    expect((await call(SITE, 'viewer', 'GET', '/audiences/deliveries')).status).toBe(403);
    expect((await call(SITE, 'viewer', 'POST', '/audiences/exports', { name: 'x', source: 'segment:x', count: 1, format: 'csv' })).status).toBe(403);
    expect((await deliver({ name: 'By admin', source: 'segment:x', members: members(1, 50) }, 'admin')).status).toBe(200);
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
  it('are recorded and listed with webhook deliveries, newest first', async () => {
    const recorded = await call(SITE, 'read', 'POST', '/audiences/exports', { name: 'Recommended: P-42', source: 'model:recommend-p42', count: 1234, format: 'csv' });
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    expect(recorded.body.export).toMatchObject({ kind: 'csv', by: 'config:analyst:0', members: 1234, format: 'csv' });
    const bad = await call(SITE, 'read', 'POST', '/audiences/exports', { name: 'x', source: 'model:y', count: -1, format: 'xlsx' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^count: at least 0; format: expected "csv"/);

    const log = await call(SITE, 'read', 'GET', '/audiences/deliveries?limit=2');
    expect(log.status).toBe(200);
    expect(log.body.records[0]).toMatchObject({ kind: 'csv', status: 'recorded', name: 'Recommended: P-42', source: 'model:recommend-p42', members: 1234, by: 'config:analyst:0', destination: null });
    expect(log.body.records[1]).toMatchObject({ kind: 'webhook', status: 'delivered', by: 'config:admin:0', members: 1 });
    expect(log.body.next).toBe(log.body.records[1].id);
    const older = await call(SITE, 'read', 'GET', `/audiences/deliveries?before=${log.body.next}`);
    expect(older.body.records.map((r: { name: string; status: string }) => [r.name, r.status])).toEqual([
      ['Down', 'failed'],
      ['Flaky', 'delivered'],
      ['At risk, March', 'delivered'],
    ]);
  });
});
