import { describe, expect, it } from 'vitest';
import { call, hookUrl, ingestNow, received, restoreClock, setClock } from './alert-helpers';
import { verifyWebhook } from './verify-webhook';

/** Editing, muting and testing rules (the dashboard's Alerts view), and the campaign counters fed by real ingest. */
const SITE = 'alerts-manage';

async function createRule(body: Record<string, unknown> = {}) {
  const res = await call(SITE, 'admin', 'POST', '/alerts', { metric: 'conversion_rate', filter: 'utm_campaign = spring_sale', webhookUrl: hookUrl('manage'), ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.rule;
}

describe('alert rule management', () => {
  it('refuses bad filters and filters on metrics that take none, naming the field', async () => {
    const bad = await call(SITE, 'admin', 'POST', '/alerts', { metric: 'visits', filter: 'country = FR', webhookUrl: hookUrl('manage') });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_rule' });
    expect(bad.body.message).toMatch(/^filter: expected "<dimension> = <value>" with dimension utm_campaign/);
    const wrongMetric = await call(SITE, 'admin', 'POST', '/alerts', { metric: 'persons', filter: 'channel = email', webhookUrl: hookUrl('manage') });
    expect(wrongMetric.status).toBe(400);
    expect(wrongMetric.body.message).toMatch(/filter: only visits, conversions, revenue, conversion_rate, funnel_rate, impressions, clicks, ctr, spend rules take a filter/);
  });

  it('edits a rule in place (same id, creator kept), and 404s an unknown one', async () => {
    const rule = await createRule({ name: 'before' });
    expect(rule).toMatchObject({ filter: 'utm_campaign = spring_sale', metric: 'conversion_rate' });
    const edited = await call(SITE, 'admin', 'PUT', `/alerts/${rule.id}`, { name: 'after', metric: 'revenue', filter: 'channel=paid_search', windowMinutes: 15, webhookUrl: hookUrl('manage') });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.rule).toMatchObject({ id: rule.id, name: 'after', metric: 'revenue', filter: 'channel = paid_search', windowMinutes: 15, createdAt: rule.createdAt, createdBy: rule.createdBy });
    const listed = (await call(SITE, 'admin', 'GET', '/alerts')).body.rules.find((r: { id: string }) => r.id === rule.id);
    expect(listed).toMatchObject({ name: 'after', metric: 'revenue' });
    const invalid = await call(SITE, 'admin', 'PUT', `/alerts/${rule.id}`, { metric: 'revenue', windowMinutes: 7, webhookUrl: hookUrl('manage') });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toMatch(/windowMinutes: must be a multiple of 5/);
    expect((await call(SITE, 'admin', 'PUT', '/alerts/00000000000000ff', { metric: 'events', webhookUrl: hookUrl('manage') })).status).toBe(404);
  });

  it('mutes until a time and unmutes; refuses times in the past or unreadable', async () => {
    const rule = await createRule();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const muted = await call(SITE, 'admin', 'POST', `/alerts/${rule.id}/mute`, { until });
    expect(muted.status, JSON.stringify(muted.body)).toBe(200);
    expect(muted.body.rule.mutedUntil).toBe(until);
    const past = await call(SITE, 'admin', 'POST', `/alerts/${rule.id}/mute`, { until: '2001-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({ error: 'invalid_mute' });
    expect(past.body.message).toMatch(/until: must lie in the future/);
    expect((await call(SITE, 'admin', 'POST', `/alerts/${rule.id}/mute`, { until: 'tomorrow' })).body.message).toMatch(/until: not a readable time/);
    const unmuted = await call(SITE, 'admin', 'POST', `/alerts/${rule.id}/mute`, { until: null });
    expect(unmuted.body.rule.mutedUntil).toBeNull();
    const audit = await call(SITE, 'admin', 'GET', '/audit');
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['alert.rule.mute', 'alert.rule.unmute']));
  });

  it('tests a rule: evaluates now without recording, and posts one signed alert.test message', async () => {
    const rule = await createRule({ webhookUrl: hookUrl('manage-test') });
    const dry = await call(SITE, 'admin', 'POST', `/alerts/${rule.id}/test`);
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body.test).toMatchObject({ ruleId: rule.id, outcome: 'insufficient_baseline', wouldFire: false, webhook: null });
    expect(await received('manage-test')).toEqual([]);
    const sent = await call(SITE, 'admin', 'POST', `/alerts/${rule.id}/test`, { webhook: true });
    expect(sent.body.test.webhook).toMatchObject({ ok: true, status: 200 });
    const posts = await received('manage-test');
    expect(posts).toHaveLength(1);
    expect(JSON.parse(posts[0]!.body)).toMatchObject({ type: 'alert.test', test: true, site: SITE, rule: { id: rule.id } });
    expect(posts[0]!.headers['x-webhook-event']).toBe('alert.test');
    expect(verifyWebhook(`test-webhook-secret-${SITE}`, posts[0]!.headers, posts[0]!.body, Math.floor(Date.now() / 1000))).toBe(true);
    const state = (await call(SITE, 'admin', 'GET', '/alerts')).body.rules.find((r: { id: string }) => r.id === rule.id).state;
    expect(state).toMatchObject({ status: 'ok', lastWindowEnd: null });
    expect((await call(SITE, 'viewer', 'POST', `/alerts/${rule.id}/test`)).status).toBe(403);
  });
});

describe('campaign counters from real ingest', () => {
  it('counts visits by session, credits the checkout to the landing campaign, and lists the values for filters', async () => {
    const now = new Date().toISOString();
    const base = { anonymousId: 'camp-visitor-1', timestamp: now, context: { sessionId: 'camp-session-1' } };
    await ingestNow(SITE, [
      { ...base, type: 'page', messageId: 'camp-1', properties: { path: '/sale' }, context: { ...base.context, campaign: { name: 'spring_sale', source: 'newsletter', medium: 'email' } } },
      { ...base, type: 'page', messageId: 'camp-2', properties: { path: '/cart' } },
      { ...base, type: 'track', event: 'Order Completed', messageId: 'camp-3', properties: { order_id: 'camp-o1', revenue: 25.5 } },
    ]);
    const dims = await call(SITE, 'admin', 'GET', '/alerts/dimensions');
    expect(dims.status).toBe(200);
    expect(dims.body.values.utm_campaign).toEqual(['spring_sale']);
    expect(dims.body.values.utm_medium).toEqual(['email']);
    // "Test" reads the rule's last complete window: five minutes on, that is the one holding the events above.
    const rules = [];
    for (const [metric, filter] of [['visits', 'utm_campaign = spring_sale'], ['conversions', 'utm_campaign = spring_sale'], ['revenue', 'utm_medium = email'], ['conversion_rate', 'utm_campaign = spring_sale'], ['visits', 'utm_campaign = other']] as const) {
      rules.push(await createRule({ metric, filter, windowMinutes: 5 }));
    }
    setClock(Date.now() + 5 * 60_000);
    try {
      const values = [];
      for (const rule of rules) values.push((await call(SITE, 'admin', 'POST', `/alerts/${rule.id}/test`, {})).body.test.assessment.value);
      expect(values).toEqual([1, 1, 25.5, 1, 0]);
    } finally {
      restoreClock();
    }
  });
});
