import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountableRow } from '../../src/buffer/counters';
import {
  call,
  countDirectly,
  DAY_MS,
  hashedIdOf,
  hookUrl,
  ingestNow,
  MINUTE_MS,
  poisson,
  randomGenerator,
  received,
  restoreClock,
  runCron,
  setClock,
} from './alert-helpers';
import { verifyWebhook } from './verify-webhook';

/**
 * The acceptance test: a day of synthetic e-commerce traffic replayed through the real
 * ingest endpoint and the real cron handler with a simulated clock, on two sites with the same
 * history. On one, conversions stop for 90 minutes in the afternoon: its rule must fire exactly
 * once, at most 10 minutes after the drop began, and re-arm after recovery. The other has a
 * normal day and must stay silent. The test day lies in the future so that Durable Object alarms
 * set on the simulated clock never fire for real during the run.
 */
const TEST_DAY = Date.UTC(2031, 2, 12);
const HISTORY_DAYS = 8;
const DROP_START = TEST_DAY + (14 * 60 + 2) * MINUTE_MS;
const DROP_END = TEST_DAY + (15 * 60 + 32) * MINUTE_MS;
const VISITORS = 400;

const SITES = { drop: 'alerts-drop', normal: 'alerts-normal' } as const;

interface MinuteTraffic {
  conversions: number[];
  views: number[];
}

/** Conversions per minute follow a daily curve (about 0.5 at night, 3.5 in the afternoon); each day has its own level and noise. */
function trafficOfDay(seed: number): MinuteTraffic[] {
  const random = randomGenerator(seed);
  const level = 0.9 + 0.2 * random();
  return Array.from({ length: 1440 }, (_, minute) => {
    const hour = minute / 60;
    const rate = level * (2 + 1.5 * Math.sin((Math.PI * (hour - 8)) / 12));
    const pick = () => Math.floor(random() * VISITORS);
    return {
      conversions: Array.from({ length: poisson(rate, random) }, pick),
      views: Array.from({ length: poisson(2 * rate + 2, random) }, pick),
    };
  });
}

function countableRows(traffic: MinuteTraffic): CountableRow[] {
  const row = (event: string) => (visitor: number) => ({ type: 'track', event, user_id: null, anonymous_id: hashedIdOf(visitor) });
  return [...traffic.conversions.map(row('Order Completed')), ...traffic.views.map(row('Product Viewed'))];
}

let messageSeq = 0;
function messages(traffic: MinuteTraffic, at: number): Record<string, unknown>[] {
  const message = (event: string, visitor: number, properties: Record<string, unknown>) => ({
    type: 'track',
    event,
    messageId: `replay-${++messageSeq}`,
    anonymousId: `visitor-${visitor}`,
    timestamp: new Date(at).toISOString(),
    properties,
  });
  return [
    ...traffic.conversions.map((v) => message('Order Completed', v, { order_id: `o-${messageSeq}`, revenue: 42 })),
    ...traffic.views.map((v) => message('Product Viewed', v, { product_id: `p-${v % 20}` })),
  ];
}

describe('replay of a day with a planted conversion drop', () => {
  const ruleIds: Record<string, string> = {};

  beforeAll(async () => {
    for (const [index, site] of [SITES.drop, SITES.normal].entries()) {
      for (let day = HISTORY_DAYS; day >= 1; day--) {
        const start = TEST_DAY - day * DAY_MS;
        const traffic = trafficOfDay(1000 * index + day);
        await countDirectly(site, traffic.map((minute, m) => ({ at: start + m * MINUTE_MS + 30_000, rows: countableRows(minute) })));
      }
      const rule = await call(site, 'admin', 'POST', '/alerts', { name: 'Checkout conversions', metric: 'conversions', windowMinutes: 10, direction: 'drop', webhookUrl: hookUrl(`replay-${site}`) });
      expect(rule.status, JSON.stringify(rule.body)).toBe(201);
      ruleIds[site] = rule.body.rule.id;
    }
    const persons = await call(SITES.normal, 'admin', 'POST', '/alerts', { metric: 'persons', windowMinutes: 15, webhookUrl: hookUrl(`replay-${SITES.normal}`) });
    expect(persons.status).toBe(201);

    const dropDay = trafficOfDay(99);
    const normalDay = trafficOfDay(1099);
    try {
      // The cron runs every 5 minutes and the counters it reads are summed over 5-minute buckets, so each 5 minutes
      // of traffic (each message with its own minute's timestamp) arrives in one go, in the last minute of its bucket.
      for (let block = 0; block < 1440; block += 5) {
        const blockStart = TEST_DAY + block * MINUTE_MS;
        setClock(blockStart);
        await runCron(blockStart);
        const drop: Record<string, unknown>[] = [];
        const normal: Record<string, unknown>[] = [];
        for (let minute = block; minute < block + 5; minute++) {
          const at = TEST_DAY + minute * MINUTE_MS;
          const dropped = at >= DROP_START && at < DROP_END ? { ...dropDay[minute]!, conversions: [] } : dropDay[minute]!;
          drop.push(...messages(dropped, at + 30_000));
          normal.push(...messages(normalDay[minute]!, at + 30_000));
        }
        setClock(blockStart + 4 * MINUTE_MS + 30_000);
        await Promise.all([ingestNow(SITES.drop, drop), ingestNow(SITES.normal, normal)]);
      }
      setClock(TEST_DAY + DAY_MS);
      await runCron(TEST_DAY + DAY_MS);
    } finally {
      restoreClock();
    }
  }, 300_000);

  afterAll(() => restoreClock());

  it('fires exactly once, within 10 minutes of the drop, and posts the documented payload once', async () => {
    const { status, body } = await call(SITES.drop, 'viewer', 'GET', '/alerts/events');
    expect(status).toBe(200);
    expect(body.alerts).toHaveLength(1);
    const alert = body.alerts[0];
    const firedAt = Date.parse(alert.firedAt);
    expect(firedAt).toBeGreaterThan(DROP_START);
    expect(firedAt - DROP_START).toBeLessThanOrEqual(10 * MINUTE_MS);
    expect(alert).toMatchObject({ ruleId: ruleIds[SITES.drop], metric: 'conversions', direction: 'drop', window: { to: alert.firedAt } });
    expect(Date.parse(alert.window.from)).toBeLessThan(DROP_START + 10 * MINUTE_MS);
    expect(alert.baseline.values).toHaveLength(7);
    expect(alert.value).toBeLessThan(alert.baseline.median * 0.8);
    expect(alert.delivery).toMatchObject({ status: 'delivered', attempts: 1, destination: hookUrl(`replay-${SITES.drop}`) });
    // Re-armed: the episode ended once conversions were back.
    expect(Date.parse(alert.resolvedAt)).toBeGreaterThan(DROP_END);
    expect(Date.parse(alert.resolvedAt) - DROP_END).toBeLessThanOrEqual(20 * MINUTE_MS);

    const posts = await received(`replay-${SITES.drop}`);
    expect(posts).toHaveLength(1);
    const payload = JSON.parse(posts[0]!.body);
    expect(payload).toMatchObject({
      type: 'alert.fired',
      alertId: alert.id,
      site: SITES.drop,
      rule: { id: ruleIds[SITES.drop], name: 'Checkout conversions', metric: 'conversions', windowMinutes: 10, direction: 'drop' },
      metric: 'conversions',
      window: alert.window,
      value: alert.value,
      baseline: { median: alert.baseline.median, mad: alert.baseline.mad, values: alert.baseline.values },
      direction: 'drop',
      message: alert.message,
      text: alert.message,
    });
    expect(payload.baseline.windows).toHaveLength(7);
    expect(payload.message).toMatch(/^\[alerts-drop\] conversions per 10 min dropped to \d+ \(-\d+ %\) in 14:\d\d–14:\d\d UTC/);
    // Signed over "<timestamp>.<body>" at the (simulated) time of the POST, which fell on the test day.
    const signedAt = Number(posts[0]!.headers['x-webhook-timestamp']) * 1000;
    expect(signedAt >= TEST_DAY && signedAt < TEST_DAY + DAY_MS).toBe(true);
    expect(verifyWebhook(`test-webhook-secret-${SITES.drop}`, posts[0]!.headers, posts[0]!.body, signedAt / 1000)).toBe(true);
    expect(posts[0]!.headers['x-webhook-id']).toBe(`alert-${SITES.drop}-${alert.id}`);
  });

  it('evaluated every 5-minute window of the day and ended with the rule re-armed', async () => {
    const rules = (await call(SITES.drop, 'admin', 'GET', '/alerts')).body.rules;
    expect(rules[0].state).toMatchObject({ status: 'ok', openAlertId: null, lastWindowEnd: TEST_DAY + DAY_MS });
    expect(rules[0].state.lastAssessment.outcome).toMatch(/^(normal|quiet)$/);
  });

  it('stays silent on a normal day', async () => {
    const { body } = await call(SITES.normal, 'viewer', 'GET', '/alerts/events');
    expect(body.alerts).toEqual([]);
    expect(await received(`replay-${SITES.normal}`)).toEqual([]);
    const rules = (await call(SITES.normal, 'admin', 'GET', '/alerts')).body.rules;
    expect(rules.map((r: { state: { status: string; lastWindowEnd: number } }) => r.state)).toEqual([
      expect.objectContaining({ status: 'ok', lastWindowEnd: TEST_DAY + DAY_MS }),
      expect.objectContaining({ status: 'ok', lastWindowEnd: TEST_DAY + DAY_MS }),
    ]);
  });
});
