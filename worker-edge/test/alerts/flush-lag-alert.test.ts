import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { alertsOf } from '../../src/stubs';
import { trackMessage } from '../helpers';
import { call, hookUrl, ingestNow, MINUTE_MS, received } from './alert-helpers';

const SITE = 'alerts-flush-lag';

describe('flush lag alert rule', () => {
  it('refuses a limit on other metrics and limits outside 60 s to a day, naming the field', async () => {
    const onEvents = await call(SITE, 'admin', 'POST', '/alerts', { metric: 'events', limitSeconds: 600, webhookUrl: hookUrl('lag-refused') });
    expect(onEvents.status).toBe(400);
    expect(onEvents.body.message).toMatch(/limitSeconds.*only flush_lag rules take a limit/s);
    const tooShort = await call(SITE, 'admin', 'POST', '/alerts', { metric: 'flush_lag', limitSeconds: 30, webhookUrl: hookUrl('lag-refused') });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.message).toMatch(/limitSeconds.*at least 60/s);
  });

  it('fires when the oldest acknowledged event has waited past the limit, once, and resolves after the flush', async () => {
    const created = await call(SITE, 'admin', 'POST', '/alerts', { metric: 'flush_lag', limitSeconds: 600, webhookUrl: hookUrl('lag') });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.rule).toMatchObject({ metric: 'flush_lag', limitSeconds: 600, direction: 'spike', name: 'flush lag over 600 s' });
    const ruleId = created.body.rule.id as string;

    const start = Date.now();
    await ingestNow(SITE, [trackMessage({ messageId: 'lag-1' }), trackMessage({ messageId: 'lag-2' })]);
    const evaluate = async (minutesLater: number) => (await alertsOf(env, SITE).evaluate(SITE, start + minutesLater * MINUTE_MS)).find((r) => r.ruleId === ruleId)!;

    // Nothing flushed yet: as the minutes pass the lag crosses the limit (the evaluations pass the clock explicitly).
    expect(await evaluate(5)).toMatchObject({ outcome: 'normal' });
    const fired = await evaluate(15);
    expect(fired.outcome).toBe('spike');
    expect(fired.value).toBeGreaterThan(600);
    expect(fired.fired).not.toBeNull();
    expect(await evaluate(20)).toMatchObject({ outcome: 'spike', fired: null });

    const hooks = await received('lag');
    expect(hooks).toHaveLength(1);
    const payload = JSON.parse(hooks[0]!.body) as { metric: string; value: number; threshold: { upper: number }; text: string };
    expect(payload).toMatchObject({ metric: 'flush_lag', threshold: { upper: 600 } });
    expect(payload.text).toMatch(/\[alerts-flush-lag\] flush lag: the oldest acknowledged event has waited \d+ s to be written to R2 \(limit 600 s\)/);

    const flushed = await call(SITE, 'admin', 'POST', '/flush');
    expect(flushed.status).toBe(200);
    expect(await evaluate(25)).toMatchObject({ outcome: 'normal', value: 0, resolved: null });
    expect(await evaluate(30)).toMatchObject({ outcome: 'normal', resolved: fired.fired });
    expect(await received('lag')).toHaveLength(1);
    await call(SITE, 'admin', 'DELETE', `/alerts/${ruleId}`);
  });
});
