import { env, runInDurableObject } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountableRow } from '../../src/buffer/counters';
import { counterWindows } from '../../src/buffer/counters';
import { MAX_EVENT_NAMES_PER_DAY } from '../../src/buffer/dimension-counters';
import { alertsOf, bufferOf } from '../../src/stubs';
import { call, countDirectly, DAY_MS, hookUrl, MINUTE_MS, poisson, randomGenerator, received, restoreClock, setClock } from './alert-helpers';
import { verifyWebhook } from './verify-webhook';

/**
 * A funnel step's rate (Add to Cart → Checkout Started, for utm_campaign = spring_sale): 12:00–16:00 of seven earlier
 * days and of the test day go through the buffer's real counting code bucket by bucket (history) and minute by minute
 * (test day, with SiteAlerts evaluated every minute as the cron does). On one site the step's rate halves at 14:02 for
 * an hour: one alert, posted once and signed. The same afternoon without the drop fires none. Traffic of another
 * campaign (whose step rate is low all along) must not count.
 */
const TEST_DAY = Date.UTC(2031, 5, 10);
const FROM_MINUTE = 12 * 60;
const TO_MINUTE = 16 * 60;
const DROP_START = TEST_DAY + (14 * 60 + 2) * MINUTE_MS;
const DROP_END = TEST_DAY + (15 * 60 + 2) * MINUTE_MS;
const STEP_RATE = 0.5;
const SITES = { drop: 'alerts-funnel-drop', normal: 'alerts-funnel-normal' } as const;
const FUNNEL = { from: 'Add to Cart', to: 'Checkout Started' };

/** `carts` visits of the campaign adding to cart, each going on to checkout with probability `rate`, plus other traffic. */
function rowsOf(tag: string, carts: number, rate: number, random: () => number): CountableRow[] {
  const rows: CountableRow[] = [];
  for (let i = 0; i < carts; i++) {
    const session = `${tag}-${i}`;
    rows.push({ type: 'page', event: '', user_id: null, anonymous_id: `a-${session}`, session_id: session, utm_campaign: 'spring_sale', channel: 'email' });
    rows.push({ type: 'track', event: FUNNEL.from, user_id: null, anonymous_id: `a-${session}`, session_id: session, utm_campaign: null });
    if (random() < rate) rows.push({ type: 'track', event: FUNNEL.to, user_id: null, anonymous_id: `a-${session}`, session_id: session, utm_campaign: null });
  }
  // another campaign's carts, barely any going on: counted site-wide they would pull the step's rate to about 0.36
  for (let i = 0; i < Math.round(carts * 0.4); i++) {
    const session = `${tag}-other-${i}`;
    rows.push({ type: 'track', event: FUNNEL.from, user_id: null, anonymous_id: `o-${session}`, session_id: session, utm_campaign: 'evergreen' });
  }
  return rows;
}

describe('replay of an afternoon with a funnel step`s rate halving', () => {
  const ruleIds: Record<string, string> = {};
  const evaluations: Record<string, { outcome: string; fired: number | null }[]> = { [SITES.drop]: [], [SITES.normal]: [] };

  beforeAll(async () => {
    for (const [index, site] of [SITES.drop, SITES.normal].entries()) {
      for (let day = 7; day >= 1; day--) {
        const random = randomGenerator(1000 * (index + 1) + day);
        const buckets = [];
        for (let minute = FROM_MINUTE; minute < TO_MINUTE; minute += 5) {
          const at = TEST_DAY - day * DAY_MS + minute * MINUTE_MS + 60_000;
          buckets.push({ at, rows: rowsOf(`${site}-h${day}-${minute}`, poisson(80, random), STEP_RATE, random) });
        }
        await countDirectly(site, buckets);
      }
      const rule = await call(site, 'admin', 'POST', '/alerts', {
        metric: 'funnel_rate',
        funnel: FUNNEL,
        filter: 'utm_campaign = spring_sale',
        windowMinutes: 10,
        direction: 'drop',
        threshold: { minBaselineVolume: 50 },
        webhookUrl: hookUrl(`funnel-${site}`),
      });
      expect(rule.status, JSON.stringify(rule.body)).toBe(201);
      expect(rule.body.rule).toMatchObject({ name: 'Add to Cart → Checkout Started where utm_campaign = spring_sale per 10 min (drop)', funnel: FUNNEL });
      ruleIds[site] = rule.body.rule.id;
    }
    const randoms = { [SITES.drop]: randomGenerator(91), [SITES.normal]: randomGenerator(92) };
    try {
      for (let minute = FROM_MINUTE; minute <= TO_MINUTE; minute++) {
        const start = TEST_DAY + minute * MINUTE_MS;
        setClock(start);
        for (const site of [SITES.drop, SITES.normal]) evaluations[site]!.push(...(await alertsOf(env, site).evaluate(site, start)));
        if (minute === TO_MINUTE) break;
        setClock(start + 30_000);
        for (const site of [SITES.drop, SITES.normal]) {
          const dropped = site === SITES.drop && start >= DROP_START && start < DROP_END;
          const random = randoms[site]!;
          await countDirectly(site, [{ at: start + 30_000, rows: rowsOf(`${site}-t${minute}`, poisson(16, random), dropped ? STEP_RATE / 2 : STEP_RATE, random) }]);
        }
      }
    } finally {
      restoreClock();
    }
  }, 600_000);

  afterAll(() => restoreClock());

  it('fires one alert within 15 minutes (window + 5) of the drop, posted once with a valid signature', async () => {
    const { body } = await call(SITES.drop, 'viewer', 'GET', '/alerts/events');
    expect(body.alerts, JSON.stringify(body.alerts.map((a: { message: string }) => a.message))).toHaveLength(1);
    const alert = body.alerts[0];
    const firedAt = Date.parse(alert.firedAt);
    expect(firedAt).toBeGreaterThan(DROP_START);
    expect(firedAt - DROP_START).toBeLessThanOrEqual(15 * MINUTE_MS);
    expect(alert).toMatchObject({ ruleId: ruleIds[SITES.drop], metric: 'funnel_rate', direction: 'drop' });
    expect(alert.baseline.median).toBeGreaterThan(0.45);
    expect(alert.baseline.median).toBeLessThan(0.55);
    expect(alert.value).toBeLessThan(0.4);
    expect(alert.message).toMatch(/^\[alerts-funnel-drop\] funnel_rate Add to Cart → Checkout Started where utm_campaign = spring_sale per 10 min dropped to/);
    const posts = await received(`funnel-${SITES.drop}`);
    expect(posts).toHaveLength(1);
    expect(JSON.parse(posts[0]!.body)).toMatchObject({ type: 'alert.fired', rule: { funnel: FUNNEL, filter: 'utm_campaign = spring_sale' } });
    const signedAt = Number(posts[0]!.headers['x-webhook-timestamp']);
    expect(verifyWebhook(`test-webhook-secret-${SITES.drop}`, posts[0]!.headers, posts[0]!.body, signedAt)).toBe(true);
  });

  it('stays silent on the afternoon without the drop, judged against a real baseline throughout', async () => {
    expect((await call(SITES.normal, 'viewer', 'GET', '/alerts/events')).body.alerts).toEqual([]);
    expect(await received(`funnel-${SITES.normal}`)).toEqual([]);
    const judged = evaluations[SITES.normal]!.filter((e) => e.outcome === 'normal');
    expect(judged.length).toBeGreaterThan(40);
  });

  it('refuses a funnel_rate rule without a funnel, or a funnel on another metric, naming the field', async () => {
    const missing = await call(SITES.normal, 'admin', 'POST', '/alerts', { metric: 'funnel_rate', webhookUrl: hookUrl('funnel-bad') });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/funnel: required for funnel_rate/);
    const same = await call(SITES.normal, 'admin', 'POST', '/alerts', { metric: 'funnel_rate', funnel: { from: 'A', to: 'A' }, webhookUrl: hookUrl('funnel-bad') });
    expect(same.body.message).toMatch(/funnel: from and to must be different events/);
    const other = await call(SITES.normal, 'admin', 'POST', '/alerts', { metric: 'visits', funnel: FUNNEL, webhookUrl: hookUrl('funnel-bad') });
    expect(other.body.message).toMatch(/funnel: only funnel_rate rules take a funnel/);
  });

  it('keeps per-event counters bounded: past the day`s first names, events count as (other)', async () => {
    const at = TEST_DAY + 20 * 60 * MINUTE_MS;
    const rows: CountableRow[] = Array.from({ length: MAX_EVENT_NAMES_PER_DAY + 5 }, (_, i) => ({ type: 'track', event: `Event ${i}`, user_id: null, anonymous_id: `b-${i}`, session_id: null }));
    await countDirectly(SITES.normal, [{ at, rows }]);
    const window = { from: at - (at % (5 * MINUTE_MS)), to: at - (at % (5 * MINUTE_MS)) + 5 * MINUTE_MS };
    const counts = await runInDurableObject(bufferOf(env, SITES.normal, 0), (_i, state) =>
      ['event:(other)', 'event:Event 0', `event:Event ${MAX_EVENT_NAMES_PER_DAY + 4}`].map((name) => counterWindows(state.storage.sql, name, [window])[0]),
    );
    // the test day's two funnel names were kept first, so 48 more names by name
    expect(counts).toEqual([7, 1, 0]);
  });
});
