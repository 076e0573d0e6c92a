import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MAX_RULES_PER_SITE } from '../../src/alerts/alert-rule';
import { EDGE } from '../helpers';
import { call, hookUrl } from './alert-helpers';

const SITE = 'alerts';
const VALID = { metric: 'conversions', webhookUrl: 'https://hooks.example.com/alerts' };

async function rejected(body: unknown, site = SITE) {
  const res = await call(site, 'admin', 'POST', '/alerts', body);
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error).toBe('invalid_rule');
  return res.body.message as string;
}

describe('alert rules API', () => {
  it('creates a rule with the documented defaults, lists it and records it in the audit log', async () => {
    const created = await call(SITE, 'admin', 'POST', '/alerts', VALID);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.rule).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      name: 'conversions per 10 min (both)',
      metric: 'conversions',
      windowMinutes: 10,
      direction: 'both',
      baseline: { days: 7, weeks: 0 },
      threshold: { k: 3.5, minRelativeChange: 0.2, minBaselineVolume: 10 },
      webhookUrl: 'https://hooks.example.com/alerts',
      createdBy: 'config:admin:0',
      state: { status: 'ok', openAlertId: null, lastWindowEnd: null },
    });
    const listed = await call(SITE, 'admin', 'GET', '/alerts');
    expect(listed.status).toBe(200);
    expect(listed.body.rules.map((r: { id: string }) => r.id)).toContain(created.body.rule.id);
    const audit = await call(SITE, 'admin', 'GET', '/audit?action=alert.rule.create');
    expect(audit.body.entries[0]).toMatchObject({ actor: 'config:admin:0', details: { ruleId: created.body.rule.id, metric: 'conversions', destination: 'https://hooks.example.com/alerts' } });
  });

  it('accepts every field explicitly, including a live counter as the metric', async () => {
    const body = {
      name: 'Invalid messages surge',
      metric: 'rejected:invalid_message',
      windowMinutes: 60,
      direction: 'spike',
      baseline: { days: 3, weeks: 2 },
      threshold: { k: 4, minRelativeChange: 1, minBaselineVolume: 0 },
      webhookUrl: hookUrl('rules-explicit'),
    };
    const created = await call(SITE, 'admin', 'POST', '/alerts', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.rule).toMatchObject(body);
  });

  it('deletes a rule (404 for an unknown id, 400 for a malformed one) and audits it', async () => {
    const created = await call(SITE, 'admin', 'POST', '/alerts', { ...VALID, name: 'to delete' });
    const id = created.body.rule.id as string;
    expect((await call(SITE, 'admin', 'DELETE', `/alerts/${id}`)).status).toBe(200);
    expect((await call(SITE, 'admin', 'GET', '/alerts')).body.rules.map((r: { id: string }) => r.id)).not.toContain(id);
    const again = await call(SITE, 'admin', 'DELETE', `/alerts/${id}`);
    expect(again.status).toBe(404);
    expect(again.body.message).toBe(`no alert rule "${id}" on site "alerts"`);
    const malformed = await call(SITE, 'admin', 'DELETE', '/alerts/not-an-id');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe('invalid_rule_id');
    const audit = await call(SITE, 'admin', 'GET', '/audit?action=alert.rule.delete');
    expect(audit.body.entries[0]).toMatchObject({ details: { ruleId: id, name: 'to delete' } });
  });
});

describe('alert rule validation: 400 naming the field and the reason', () => {
  it.each([
    [{ metric: 'conversions' }, 'webhookUrl: required: the URL alerts are posted to'],
    [{ ...VALID, metric: 'bounce_rate' }, 'metric: expected events, persons, conversions, visits, revenue, conversion_rate (conversions per visit), funnel_rate (events of funnel.to per event of funnel.from), impressions, clicks, ctr, spend (daily, from imported ad reports) or a live counter'],
    [{ ...VALID, metric: undefined }, 'metric: required: events, persons, conversions, visits, revenue, conversion_rate (conversions per visit), funnel_rate (events of funnel.to per event of funnel.from), impressions, clicks, ctr, spend (daily, from imported ad reports) or a live counter'],
    [{ ...VALID, windowMinutes: 7 }, 'windowMinutes: must be a multiple of 5 (rules are evaluated every 5 minutes on 5-minute buckets)'],
    [{ ...VALID, windowMinutes: 2000 }, 'windowMinutes: at most 1440 (one day)'],
    [{ ...VALID, windowMinutes: 0 }, 'windowMinutes: at least 5'],
    [{ ...VALID, windowMinutes: 7.5 }, 'windowMinutes: must be a whole number of minutes'],
    [{ ...VALID, direction: 'down' }, 'direction: expected "drop", "spike" or "both"'],
    [{ ...VALID, baseline: { days: 1, weeks: 1 } }, 'baseline: needs at least 3 distinct comparison windows; days 1 and weeks 1 give 2'],
    [{ ...VALID, baseline: { days: 7, weeks: 1 } }, null],
    [{ ...VALID, baseline: { days: 20 } }, 'baseline.days: at most 14'],
    [{ ...VALID, baseline: { weeks: 5 } }, 'baseline.weeks: at most 4 (counters are kept 30 days)'],
    [{ ...VALID, baseline: { hours: 3 } }, 'baseline: Unrecognized key: "hours"'],
    [{ ...VALID, threshold: { k: 0 } }, 'threshold.k: at least 1'],
    [{ ...VALID, threshold: { minRelativeChange: -0.1 } }, 'threshold.minRelativeChange: at least 0'],
    [{ ...VALID, threshold: { minBaselineVolume: -1 } }, 'threshold.minBaselineVolume: at least 0'],
    [{ ...VALID, webhookUrl: 'http://hooks.example.com/x' }, 'webhookUrl: must use https, got http://hooks.example.com'],
    [{ ...VALID, webhookUrl: 'ftp://hooks.example.com/x' }, 'webhookUrl: must use https, got ftp:'],
    [{ ...VALID, webhookUrl: 'hooks.example.com/x' }, 'webhookUrl: "hooks.example.com/x" is not an absolute URL'],
    [{ ...VALID, name: '' }, 'name: must not be empty'],
    [{ ...VALID, owner: 'me' }, 'body: Unrecognized key: "owner"'],
  ])('%j', async (body, message) => {
    if (message === null) {
      expect((await call(SITE, 'admin', 'POST', '/alerts', body)).status).toBe(201);
      return;
    }
    expect(await rejected(body)).toContain(message);
  });

  it('names every offending field at once', async () => {
    const message = await rejected({ metric: 'bounce_rate', windowMinutes: 7, webhookUrl: 'http://example.com' });
    expect(message).toMatch(/^metric: .*; windowMinutes: .*; webhookUrl: must use https/);
  });

  it('400 for a body that is not JSON', async () => {
    const res = await call(SITE, 'admin', 'POST', '/alerts', '{"metric": ');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('malformed_json');
  });

  it("enforces the site's alertWebhookUrls when it has them", async () => {
    const other = await rejected({ ...VALID, webhookUrl: 'https://hooks.example.com/other' }, 'alerts-listed');
    expect(other).toContain("webhookUrl: https://hooks.example.com/other is not one of this site's alertWebhookUrls (configured in SITES)");
    const allowed = await call('alerts-listed', 'admin', 'POST', '/alerts', { ...VALID, webhookUrl: 'https://hooks.example.com/allowed' });
    expect(allowed.status).toBe(201);
  });

  it(`409 beyond ${MAX_RULES_PER_SITE} rules`, async () => {
    const existing = (await call(SITE, 'admin', 'GET', '/alerts')).body.rules.length as number;
    for (let i = existing; i < MAX_RULES_PER_SITE; i++) expect((await call(SITE, 'admin', 'POST', '/alerts', VALID)).status).toBe(201);
    const over = await call(SITE, 'admin', 'POST', '/alerts', VALID);
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ error: 'too_many_rules', message: `site "alerts" already has ${MAX_RULES_PER_SITE} alert rules; delete some first` });
  });
});

describe('alert access', () => {
  it('viewers and analysts cannot create, list or delete rules (403); viewers can list alerts', async () => {
    for (const role of ['viewer', 'read'] as const) {
      const create = await call(SITE, role, 'POST', '/alerts', VALID);
      expect(create.status).toBe(403);
      expect(create.body).toMatchObject({ error: 'insufficient_role', required: 'admin' });
      expect((await call(SITE, role, 'GET', '/alerts')).status).toBe(403);
      expect((await call(SITE, role, 'DELETE', '/alerts/0123456789abcdef')).status).toBe(403);
    }
    const events = await call(SITE, 'viewer', 'GET', '/alerts/events');
    expect(events.status).toBe(200);
    expect(events.body).toMatchObject({ site: SITE, alerts: [], next: null });
  });

  it('401 without a token, 403 with an admin token of another site', async () => {
    const cross = await SELF.fetch(`${EDGE}/v1/sites/alerts/alerts`, { headers: { authorization: 'Bearer alerts-listed-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' } });
    expect(cross.status).toBe(403);
    expect(((await cross.json()) as { error: string }).error).toBe('wrong_site');
    const anonymous = await SELF.fetch(`${EDGE}/v1/sites/alerts/alerts/events`);
    expect(anonymous.status).toBe(401);
  });
});
