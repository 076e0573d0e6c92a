import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/alert-store';
import { MAX_DELIVERY_ATTEMPTS } from '../../src/alerts/site-alerts';
import { retryDelayMs } from '../../src/alerts/webhook-retry';
import { call, DAY_MS, hookUrl, MINUTE_MS, received, restoreClock, setClock, writeCounts } from './alert-helpers';
import { alertsOf } from '../../src/stubs';

const SITE = 'alerts-episodes';
const DAY = Date.UTC(2031, 5, 2);
const at = (hhmm: string, day = DAY) => day + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))) * MINUTE_MS;

/**
 * A metric's history: `perMinute` on each of the 7 previous days (11 on the day before, 9 two days
 * before, so the baseline median of a 10-minute window is 100 with a MAD of 0), then `today(minute)`
 * on the test day until `until`.
 */
async function writeHistory(metric: string, today: (at: number) => number, until: number, site = SITE, days = 7): Promise<void> {
  const entries: { at: number; counts: Record<string, number> }[] = [];
  for (let day = days; day >= 1; day--) {
    const perMinute = day === 1 ? 11 : day === 2 ? 9 : 10;
    for (let minute = 0; minute < 1440; minute++) entries.push({ at: DAY - day * DAY_MS + minute * MINUTE_MS + 1000, counts: { [metric]: perMinute } });
  }
  for (let t = DAY; t < until; t += MINUTE_MS) entries.push({ at: t + 1000, counts: { [metric]: today(t) } });
  await writeCounts(site, entries);
}

const createdRules: { site: string; id: string }[] = [];

/** Rules live only for their test: every rule is evaluated together, and a finished scenario's metric has no data later in the day. */
async function createRule(body: Record<string, unknown>, site = SITE): Promise<string> {
  const res = await call(site, 'admin', 'POST', '/alerts', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  createdRules.push({ site, id: res.body.rule.id });
  return res.body.rule.id;
}

async function alertEventsOf(ruleId: string, site = SITE): Promise<AlertEvent[]> {
  const res = await call(site, 'viewer', 'GET', `/alerts/events?rule=${ruleId}`);
  expect(res.status).toBe(200);
  return res.body.alerts;
}

async function evaluateEvery5Minutes(from: string, to: string, site = SITE) {
  const outcomes: { at: string; ruleId: string; outcome: string; fired: number | null; resolved: number | null }[] = [];
  for (let t = at(from); t <= at(to); t += 5 * MINUTE_MS) {
    setClock(t);
    for (const r of await alertsOf(env, site).evaluate(site, t)) outcomes.push({ at: new Date(t).toISOString().slice(11, 16), ruleId: r.ruleId, outcome: r.outcome, fired: r.fired, resolved: r.resolved });
  }
  return outcomes;
}

afterEach(async () => {
  restoreClock();
  for (const { site, id } of createdRules.splice(0)) await call(site, 'admin', 'DELETE', `/alerts/${id}`);
});

describe('anomaly episodes', () => {
  it('fires once per episode, stays quiet while it lasts, re-arms after two normal evaluations', async () => {
    const dropped = (t: number) => (t >= at('10:02') && t < at('10:30')) || (t >= at('12:00') && t < at('12:20'));
    await writeHistory('flag:episode', (t) => (dropped(t) ? 0 : 10), at('13:00'));
    const ruleId = await createRule({ metric: 'flag:episode', direction: 'drop', webhookUrl: hookUrl('episodes') });
    const outcomes = (await evaluateEvery5Minutes('09:00', '13:00')).filter((o) => o.ruleId === ruleId);

    expect(outcomes.filter((o) => o.fired !== null).map((o) => o.at)).toEqual(['10:10', '12:05']);
    expect(outcomes.filter((o) => o.resolved !== null).map((o) => o.at)).toEqual(['10:45', '12:35']);
    expect(outcomes.filter((o) => o.outcome === 'drop').map((o) => o.at)).toEqual(['10:10', '10:15', '10:20', '10:25', '10:30', '10:35', '12:05', '12:10', '12:15', '12:20', '12:25']);

    const alerts = await alertEventsOf(ruleId);
    expect(alerts.map((a) => [a.firedAt, a.lastSeenAt, a.resolvedAt])).toEqual([
      [new Date(at('12:05')).toISOString(), new Date(at('12:25')).toISOString(), new Date(at('12:35')).toISOString()],
      [new Date(at('10:10')).toISOString(), new Date(at('10:35')).toISOString(), new Date(at('10:45')).toISOString()],
    ]);
    expect(alerts[1]).toMatchObject({ value: 20, baseline: { median: 100, mad: 0, values: [110, 90, 100, 100, 100, 100, 100] }, window: { from: new Date(at('10:00')).toISOString() } });
    expect((await received('episodes')).map((r) => JSON.parse(r.body).alertId)).toEqual([alerts[1]!.id, alerts[0]!.id]);
  });

  it('evaluates a window once, however often the cron runs', async () => {
    await writeHistory('flag:twice', (t) => (t >= at('08:00') ? 0 : 10), at('08:30'));
    const ruleId = await createRule({ metric: 'flag:twice', webhookUrl: hookUrl('twice') });
    const first = (await alertsOf(env, SITE).evaluate(SITE, at('08:20'))).find((r) => r.ruleId === ruleId)!;
    const again = (await alertsOf(env, SITE).evaluate(SITE, at('08:20') + 90_000)).find((r) => r.ruleId === ruleId)!;
    expect(first).toMatchObject({ outcome: 'drop', fired: expect.any(Number), window: { from: '2031-06-02T08:10:00.000Z', to: '2031-06-02T08:20:00.000Z' } });
    expect(again).toMatchObject({ outcome: 'already_evaluated', fired: null });
    expect(await alertEventsOf(ruleId)).toHaveLength(1);
  });

  it('detects spikes for "spike" and "both" rules only, and ignores quiet metrics', async () => {
    await writeHistory('flag:spike', (t) => (t >= at('15:00') ? 30 : 10), at('15:30'));
    const both = await createRule({ metric: 'flag:spike', direction: 'both', webhookUrl: hookUrl('spikes') });
    const dropOnly = await createRule({ metric: 'flag:spike', direction: 'drop', webhookUrl: hookUrl('spikes') });
    const entries = [];
    for (let day = 7; day >= 1; day--) for (let minute = 0; minute < 1440; minute += 3) entries.push({ at: DAY - day * DAY_MS + minute * MINUTE_MS, counts: { 'flag:quiet': 1 } });
    await writeCounts(SITE, entries);
    const quiet = await createRule({ metric: 'flag:quiet', webhookUrl: hookUrl('quiet') });
    const results = await alertsOf(env, SITE).evaluate(SITE, at('15:10'));
    expect(results.map((r) => r.ruleId).sort()).toEqual([both, dropOnly, quiet].sort());
    expect(results.find((r) => r.ruleId === both)).toMatchObject({ outcome: 'spike', value: 300, median: 100, fired: expect.any(Number) });
    expect(results.find((r) => r.ruleId === dropOnly)).toMatchObject({ outcome: 'normal', fired: null });
    expect(results.find((r) => r.ruleId === quiet)).toMatchObject({ outcome: 'quiet', value: 0, fired: null });
    const [spike] = await alertEventsOf(both);
    expect(spike!.message).toBe(
      '[alerts-episodes] flag:spike per 10 min spiked to 300 (+200 %) in 15:00–15:10 UTC; the same window in 7 earlier periods had a median of 100 (MAD 0). Rule: flag:spike per 10 min (both)',
    );
  });

  it('does not judge a window against days before the site had data', async () => {
    await writeHistory('accepted', (t) => (t >= at('09:00') ? 0 : 10), at('09:30'), 'alerts-new', 2);
    const ruleId = await createRule({ metric: 'events', webhookUrl: hookUrl('new-site') }, 'alerts-new');
    const [result] = await alertsOf(env, 'alerts-new').evaluate('alerts-new', at('09:20'));
    expect(result).toMatchObject({ ruleId, outcome: 'insufficient_baseline', value: 0, median: null, fired: null });
    const rules = (await call('alerts-new', 'admin', 'GET', '/alerts')).body.rules;
    expect(rules[0].state.lastAssessment).toMatchObject({ outcome: 'insufficient_baseline', baselineValues: [110, 90] });
  });
});

describe('webhook delivery', () => {
  it('retries with backoff from the alarm, logs every attempt, gives up on 4xx at once and after 8 attempts on 5xx', async () => {
    await writeHistory('flag:delivery', (t) => (t >= at('18:00') ? 0 : 10), at('18:30'));
    const flaky = await createRule({ metric: 'flag:delivery', direction: 'drop', webhookUrl: hookUrl('flaky', '?fail=2') });
    const down = await createRule({ metric: 'flag:delivery', direction: 'drop', webhookUrl: hookUrl('down', '?status=500') });
    const rejecting = await createRule({ metric: 'flag:delivery', direction: 'drop', webhookUrl: hookUrl('rejecting', '?status=400') });
    const fired = at('18:10');
    setClock(fired);
    await alertsOf(env, SITE).evaluate(SITE, fired);

    const stub = alertsOf(env, SITE);
    const nextAlarm = () => runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(await nextAlarm()).toBe(fired + 30_000);
    // An alarm that comes early delivers nothing.
    setClock(fired + 10_000);
    await runDurableObjectAlarm(stub);
    expect((await alertEventsOf(flaky))[0]!.delivery.attempts).toBe(1);
    for (let round = 0; round < 20; round++) {
      const due = await nextAlarm();
      if (due === null) break;
      setClock(due);
      await runDurableObjectAlarm(stub);
    }
    expect(await nextAlarm()).toBeNull();

    const offsets = (alert: AlertEvent) => alert.delivery.log.map((a) => (Date.parse(a.at) - fired) / 1000);
    const [flakyAlert] = await alertEventsOf(flaky);
    expect(flakyAlert!.delivery).toMatchObject({ status: 'delivered', attempts: 3, lastError: null, deliveredAt: new Date(fired + 90_000).toISOString() });
    expect(flakyAlert!.delivery.log.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(offsets(flakyAlert!)).toEqual([0, 30, 90]);

    const [downAlert] = await alertEventsOf(down);
    expect(downAlert!.delivery).toMatchObject({ status: 'failed', attempts: MAX_DELIVERY_ATTEMPTS, lastError: 'HTTP 500', nextAttemptAt: null });
    const expected = [0];
    for (let attempt = 1; attempt < MAX_DELIVERY_ATTEMPTS; attempt++) expected.push(expected.at(-1)! + retryDelayMs(attempt) / 1000);
    expect(offsets(downAlert!)).toEqual(expected);
    expect(expected).toEqual([0, 30, 90, 210, 450, 930, 1890, 3810]);

    const [rejectedAlert] = await alertEventsOf(rejecting);
    expect(rejectedAlert!.delivery).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 400' });

    // Every retry posts the same bytes under the same idempotency key.
    const posts = await received('flaky');
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((p) => p.body)).size).toBe(1);
    expect(new Set(posts.map((p) => p.headers['x-webhook-id'])).size).toBe(1);
    expect(posts[0]!.headers['x-webhook-event']).toBe('alert.fired');
  });

  it('cancels pending deliveries of a deleted rule', async () => {
    await writeHistory('flag:cancel', (t) => (t >= at('20:00') ? 0 : 10), at('20:30'));
    const ruleId = await createRule({ metric: 'flag:cancel', direction: 'drop', webhookUrl: hookUrl('cancelled', '?status=503') });
    await alertsOf(env, SITE).evaluate(SITE, at('20:10'));
    expect((await alertEventsOf(ruleId))[0]!.delivery.status).toBe('pending');
    expect((await call(SITE, 'admin', 'DELETE', `/alerts/${ruleId}`)).status).toBe(200);
    expect((await alertEventsOf(ruleId))[0]!.delivery).toMatchObject({ status: 'cancelled', attempts: 1, nextAttemptAt: null });
  });
});
