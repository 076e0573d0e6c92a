import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { EDGE } from '../helpers';
import { call, DAY_MS, hookUrl, randomGenerator, received, runCron, tokenOf } from './alert-helpers';
import { verifyWebhook } from './verify-webhook';

/**
 * Ad-metric rules (impressions, clicks, ctr, spend) on imported ad reports, through the real import route: eight days of
 * a campaign's reports arrive as one import (the latest day judged against the earlier ones: normal, nothing fires),
 * then the next day's report with the campaign's impressions down by 60 % lands and fires one signed alert at once;
 * the cron and a second import of that day (another platform) fire no second one. Its CTR and another campaign stay normal.
 */
const SITE = 'alerts-ads';
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);

function reportLines(offset: number, random: () => number, spring: { impressions: number }): string[] {
  const lines: string[] = [];
  const wobble = () => 0.95 + 0.1 * random();
  const springImpressions = Math.round(spring.impressions * wobble());
  lines.push(`${day(offset)},google,spring_sale,brand,${springImpressions},${Math.round(springImpressions * 0.03 * wobble())},${(springImpressions / 100).toFixed(2)},CNY,5`);
  const other = Math.round(20_000 * wobble());
  lines.push(`${day(offset)},google,evergreen,generic,${other},${Math.round(other * 0.02 * wobble())},${(other / 200).toFixed(2)},CNY,3`);
  return lines;
}

async function importReport(importId: string, lines: string[]) {
  const csv = ['date,platform,campaign,ad_group,impressions,clicks,spend,currency,conversions', ...lines].join('\n');
  const res = await SELF.fetch(`${EDGE}/v1/sites/${SITE}/imports?kind=ad_spend&importId=${importId}`, { method: 'POST', headers: { authorization: `Bearer ${tokenOf(SITE, 'admin')}`, 'content-type': 'text/csv' }, body: csv });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('ad-metric alert rules on imported ad reports', () => {
  const rules: Record<string, string> = {};

  it('creates daily ad rules with campaign / platform filters; a UTM medium filter is refused with the reason', async () => {
    const bad = await call(SITE, 'admin', 'POST', '/alerts', { metric: 'impressions', filter: 'utm_medium = cpc', webhookUrl: hookUrl('ads-bad') });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/imported ad reports: filter by campaign or platform/);
    const liveWithAdFilter = await call(SITE, 'admin', 'POST', '/alerts', { metric: 'visits', filter: 'campaign = spring_sale', webhookUrl: hookUrl('ads-bad') });
    expect(liveWithAdFilter.status).toBe(400);
    for (const [key, body] of Object.entries({
      impressions: { metric: 'impressions', filter: 'campaign = spring_sale', direction: 'drop', webhookUrl: hookUrl('ads-impressions') },
      ctr: { metric: 'ctr', filter: 'utm_campaign = spring_sale', direction: 'both', webhookUrl: hookUrl('ads-ctr') },
      evergreen: { metric: 'spend', filter: 'campaign = evergreen', direction: 'both', webhookUrl: hookUrl('ads-evergreen') },
      platform: { metric: 'clicks', filter: 'channel = wechat', direction: 'both', webhookUrl: hookUrl('ads-platform') },
    })) {
      const res = await call(SITE, 'admin', 'POST', '/alerts', body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.rule.windowMinutes).toBe(1440);
      rules[key] = res.body.rule.id;
    }
    expect((await call(SITE, 'admin', 'POST', `/alerts/${rules.impressions}/test`, {})).body.test.outcome).toBe('insufficient_baseline');
  });

  it('a normal series of eight reported days fires nothing', async () => {
    const random = randomGenerator(5);
    const lines = [];
    for (let offset = -9; offset <= -2; offset++) lines.push(...reportLines(offset, random, { impressions: 10_000 }));
    const res = await importReport('ads-history', lines);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { body } = await call(SITE, 'admin', 'GET', '/alerts');
    const impressions = body.rules.find((r: { id: string }) => r.id === rules.impressions);
    expect(impressions.state.lastAssessment).toMatchObject({ outcome: 'normal' });
    expect(impressions.state.lastAssessment.baselineValues).toHaveLength(7);
    // the wechat platform reported nothing: zero clicks on a quiet baseline, never an alert
    expect((await call(SITE, 'viewer', 'GET', '/alerts/events')).body.alerts).toEqual([]);
  });

  it('the import of a day with the campaign`s impressions down 60 % fires one signed alert as it lands', async () => {
    const res = await importReport('ads-latest', reportLines(-1, randomGenerator(6), { impressions: 4_000 }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { body } = await call(SITE, 'viewer', 'GET', '/alerts/events');
    expect(body.alerts.map((a: { ruleId: string }) => a.ruleId)).toEqual([rules.impressions]);
    const alert = body.alerts[0];
    expect(alert).toMatchObject({ metric: 'impressions', direction: 'drop', window: { from: `${day(-1)}T00:00:00.000Z`, to: `${day(0)}T00:00:00.000Z` } });
    expect(alert.value).toBeLessThan(alert.baseline.median * 0.5);
    expect(alert.message).toMatch(new RegExp(`^\\[alerts-ads\\] impressions where campaign = spring_sale on ${day(-1)} \\(imported ad reports\\) dropped to`));
    const posts = await received('ads-impressions');
    expect(posts).toHaveLength(1);
    const signedAt = Number(posts[0]!.headers['x-webhook-timestamp']);
    expect(verifyWebhook(`test-webhook-secret-${SITE}`, posts[0]!.headers, posts[0]!.body, signedAt)).toBe(true);
    expect(JSON.parse(posts[0]!.body)).toMatchObject({ type: 'alert.fired', metric: 'impressions', rule: { filter: 'campaign = spring_sale', windowMinutes: 1440 } });
    // CTR held (clicks fell with impressions), and the other campaign's spend is normal
    for (const name of ['ads-ctr', 'ads-evergreen', 'ads-platform']) expect(await received(name)).toEqual([]);
  });

  it('the cron and another import for the same day (a second platform) fire no second alert', async () => {
    await runCron(Date.now());
    const res = await importReport('ads-latest-wechat', [`${day(-1)},wechat,spring_sale,moments,3000,60,20,CNY,1`]);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { body } = await call(SITE, 'admin', 'GET', '/alerts');
    const impressions = body.rules.find((r: { id: string }) => r.id === rules.impressions);
    // re-judged with the wechat rows (7000 impressions, still a drop): the open episode goes on
    expect(impressions.state).toMatchObject({ status: 'alerting', lastAssessment: { outcome: 'drop', value: expect.any(Number) } });
    expect(impressions.state.lastAssessment.value).toBeGreaterThan(6_500);
    expect((await call(SITE, 'viewer', 'GET', '/alerts/events')).body.alerts).toHaveLength(1);
    expect(await received('ads-impressions')).toHaveLength(1);
  });

  it('a withdrawn import leaves the totals: the latest day is judged without it', async () => {
    const withdrawn = await SELF.fetch(`${EDGE}/v1/sites/${SITE}/imports/ads-latest-wechat`, { method: 'DELETE', headers: { authorization: `Bearer ${tokenOf(SITE, 'admin')}` } });
    expect(withdrawn.status).toBe(200);
    const test = await call(SITE, 'admin', 'POST', `/alerts/${rules.impressions}/test`, {});
    expect(test.body.test).toMatchObject({ outcome: 'drop', window: { from: `${day(-1)}T00:00:00.000Z` } });
    expect(test.body.test.assessment.value).toBeLessThan(4_500);
  });
});
