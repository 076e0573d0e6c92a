import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountableRow } from '../../src/buffer/counters';
import { alertsOf } from '../../src/stubs';
import { call, countDirectly, DAY_MS, hookUrl, MINUTE_MS, poisson, randomGenerator, received, restoreClock, setClock, writeCounts } from './alert-helpers';
import { verifyWebhook } from './verify-webhook';

/**
 * The campaign acceptance test: a campaign (utm_campaign = spring_sale) whose conversion rate drops by 40 % at
 * 14:02 on the test day. Seven earlier days of the campaign's per-bucket visits and conversions are written straight
 * into the shard's counters (the metric windows the baseline reads); the test day goes through the buffer's real
 * counting code (visits by session, conversions credited to the visit's campaign) minute by minute on a simulated
 * clock, and the site's real SiteAlerts object evaluates its rules every minute, as the every-minute cron makes it do.
 * The drop must fire one alert within 10 minutes, posted once with a valid signature; the same day without the drop
 * fires none. The day lies in the future so alarms set on the simulated clock never fire for real.
 */
const TEST_DAY = Date.UTC(2031, 4, 20);
const DROP_START = TEST_DAY + (14 * 60 + 2) * MINUTE_MS;
const DROP_END = TEST_DAY + (15 * 60 + 2) * MINUTE_MS;
const CONVERSION_RATE = 0.3;
const DROP_FACTOR = 0.6;
const SITES = { drop: 'alerts-campaign-drop', normal: 'alerts-campaign-normal' } as const;
const FILTER = 'utm_campaign = spring_sale';

/** Campaign visits per minute: none at night, up to 80 a minute in the afternoon. */
function visitRate(minuteOfDay: number): number {
  const hour = minuteOfDay / 60;
  return Math.max(0, 80 * Math.sin((Math.PI * (hour - 6)) / 16));
}

/** Binomial draw (small n; fine for a test). */
function binomial(n: number, p: number, random: () => number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

async function writeHistory(site: string, seed: number): Promise<void> {
  for (let day = 7; day >= 1; day--) {
    const random = randomGenerator(seed * 100 + day);
    const rate = CONVERSION_RATE * (0.95 + 0.1 * random());
    const entries = [];
    for (let bucket = 0; bucket < 288; bucket++) {
      const at = TEST_DAY - day * DAY_MS + bucket * 5 * MINUTE_MS + 60_000;
      const visits = poisson(5 * visitRate(bucket * 5 + 2.5), random);
      if (visits === 0) continue;
      const conversions = binomial(visits, rate, random);
      entries.push({ at, counts: { [`visits|utm_campaign=spring_sale`]: visits, [`conversions|utm_campaign=spring_sale`]: conversions, visits: visits + 20 } });
    }
    await writeCounts(site, entries);
  }
}

/** One minute of the test day as buffered rows: each campaign visit lands, some convert later in the same visit (no utm on the checkout). */
function minuteRows(site: string, minute: number, random: () => number, dropped: boolean): CountableRow[] {
  const rows: CountableRow[] = [];
  const visits = poisson(visitRate(minute), random);
  for (let i = 0; i < visits; i++) {
    const session = `${site}-${minute}-${i}`;
    rows.push({ type: 'page', event: '', user_id: null, anonymous_id: `a-${session}`, session_id: session, utm_campaign: 'spring_sale', utm_source: 'newsletter', utm_medium: 'email', channel: 'email' });
    if (random() < CONVERSION_RATE * (dropped ? DROP_FACTOR : 1)) {
      rows.push({ type: 'track', event: 'Order Completed', user_id: null, anonymous_id: `a-${session}`, session_id: session, utm_campaign: null, channel: 'direct', revenue: 40 });
    }
  }
  // Traffic from elsewhere that must not count for the campaign.
  for (let i = 0; i < 4; i++) rows.push({ type: 'page', event: '', user_id: null, anonymous_id: `o-${minute}-${i}`, session_id: `o-${site}-${minute}-${i}`, channel: 'organic_search' });
  return rows;
}

describe('replay of a campaign day with a 40 % conversion-rate drop', () => {
  const ruleIds: Record<string, string> = {};
  const evaluations: Record<string, { window: { to: string }; outcome: string; fired: number | null }[]> = { [SITES.drop]: [], [SITES.normal]: [] };

  beforeAll(async () => {
    for (const [index, site] of [SITES.drop, SITES.normal].entries()) {
      await writeHistory(site, index + 1);
      const rule = await call(site, 'admin', 'POST', '/alerts', {
        name: 'Spring sale conversion rate',
        metric: 'conversion_rate',
        filter: FILTER,
        windowMinutes: 5,
        direction: 'drop',
        threshold: { minBaselineVolume: 50 },
        webhookUrl: hookUrl(`campaign-${site}`),
      });
      expect(rule.status, JSON.stringify(rule.body)).toBe(201);
      ruleIds[site] = rule.body.rule.id;
      const visits = await call(site, 'admin', 'POST', '/alerts', { metric: 'visits', filter: FILTER, windowMinutes: 5, direction: 'drop', webhookUrl: hookUrl(`campaign-visits-${site}`) });
      expect(visits.status, JSON.stringify(visits.body)).toBe(201);
    }
    const randoms = { [SITES.drop]: randomGenerator(77), [SITES.normal]: randomGenerator(78) };
    try {
      for (let minute = 0; minute < 1440; minute++) {
        const start = TEST_DAY + minute * MINUTE_MS;
        // The every-minute cron: each site's SiteAlerts evaluates as of the minute's start (what runScheduledAlerts calls).
        setClock(start);
        for (const site of [SITES.drop, SITES.normal]) evaluations[site]!.push(...(await alertsOf(env, site).evaluate(site, start)));
        setClock(start + 30_000);
        for (const site of [SITES.drop, SITES.normal]) {
          const dropped = site === SITES.drop && start >= DROP_START && start < DROP_END;
          await countDirectly(site, [{ at: start + 30_000, rows: minuteRows(site, minute, randoms[site]!, dropped) }]);
        }
      }
      setClock(TEST_DAY + DAY_MS);
      for (const site of [SITES.drop, SITES.normal]) evaluations[site]!.push(...(await alertsOf(env, site).evaluate(site, TEST_DAY + DAY_MS)));
    } finally {
      restoreClock();
    }
  }, 600_000);

  afterAll(() => restoreClock());

  it('fires one alert within 10 minutes of the drop, posted once with a valid signature', async () => {
    const { status, body } = await call(SITES.drop, 'viewer', 'GET', '/alerts/events');
    expect(status).toBe(200);
    expect(body.alerts, JSON.stringify(body.alerts.map((a: { message: string }) => a.message))).toHaveLength(1);
    const alert = body.alerts[0];
    const firedAt = Date.parse(alert.firedAt);
    expect(firedAt).toBeGreaterThan(DROP_START);
    expect(firedAt - DROP_START).toBeLessThanOrEqual(10 * MINUTE_MS);
    expect(alert).toMatchObject({ ruleId: ruleIds[SITES.drop], metric: 'conversion_rate', direction: 'drop' });
    expect(alert.value).toBeLessThan(alert.baseline.median * 0.8);
    expect(alert.baseline.median).toBeGreaterThan(0.25);
    expect(alert.message).toMatch(/^\[alerts-campaign-drop\] conversion_rate where utm_campaign = spring_sale per 5 min dropped to/);
    expect(alert.delivery).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(Date.parse(alert.resolvedAt)).toBeGreaterThan(DROP_END);

    const posts = await received(`campaign-${SITES.drop}`);
    expect(posts).toHaveLength(1);
    const payload = JSON.parse(posts[0]!.body);
    expect(payload).toMatchObject({ type: 'alert.fired', alertId: alert.id, site: SITES.drop, metric: 'conversion_rate', rule: { id: ruleIds[SITES.drop], filter: FILTER }, direction: 'drop' });
    const signedAt = Number(posts[0]!.headers['x-webhook-timestamp']);
    expect(signedAt * 1000).toBe(firedAt - (firedAt % 1000));
    expect(verifyWebhook(`test-webhook-secret-${SITES.drop}`, posts[0]!.headers, posts[0]!.body, signedAt)).toBe(true);
    expect(verifyWebhook('some-other-secret', posts[0]!.headers, posts[0]!.body, signedAt)).toBe(false);
    expect(verifyWebhook(`test-webhook-secret-${SITES.drop}`, posts[0]!.headers, posts[0]!.body.replace('"drop"', '"spike"'), signedAt)).toBe(false);
  });

  it('judged the campaign windows against a real baseline all day (not quiet throughout), and its visits (which did not fall) never alerted a drop', async () => {
    const judged = evaluations[SITES.drop]!.filter((e) => e.outcome === 'normal' || e.outcome === 'drop');
    expect(judged.length).toBeGreaterThan(100);
    expect(await received(`campaign-visits-${SITES.drop}`)).toEqual([]);
  });

  it('stays silent on the same day without the drop', async () => {
    const { body } = await call(SITES.normal, 'viewer', 'GET', '/alerts/events');
    expect(body.alerts).toEqual([]);
    expect(await received(`campaign-${SITES.normal}`)).toEqual([]);
    expect(evaluations[SITES.normal]!.filter((e) => e.outcome === 'normal').length).toBeGreaterThan(100);
  });
});
