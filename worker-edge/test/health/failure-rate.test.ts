import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { IngestBuffer } from '../../src/buffer/ingest-buffer';
import { FAILURE_LIMIT_PERCENT } from '../../src/health/failure-counts';
import { alertsOf, bufferOf } from '../../src/stubs';
import { trackMessage } from '../helpers';
import { call, hookUrl, MINUTE_MS, received } from '../alerts/alert-helpers';
import { ingest } from '../lifecycle/lifecycle-helpers';

const SITE = 'health';

interface FailuresBody {
  limitPercent: number;
  days: { date: string; counts: Record<string, number>; operations: number; failures: number; ratePercent: number | null }[];
  total: { counts: Record<string, number>; operations: number; failures: number; ratePercent: number | null };
  withinLimit: boolean;
  daysOverLimit: string[];
}

describe('failure rate', () => {
  it('counts a forced flush failure, reports the rate against 0.3 %, and a failure_rate rule fires once', async () => {
    await ingest(SITE, [trackMessage({ messageId: 'health-1' }), trackMessage({ messageId: 'health-2' })]);
    const sizes = await Promise.all([0, 1].map((shard) => bufferOf(env, SITE, shard).bufferedRows()));
    const stub = bufferOf(env, SITE, sizes[0]! > 0 ? 0 : 1);
    await runInDurableObject(stub, async (instance: IngestBuffer) => {
      const self = instance as unknown as { env: typeof env };
      const realEnv = self.env;
      self.env = { ...realEnv, EVENTS: new Proxy(realEnv.EVENTS, { get: (target, method: string) => (method === 'put' ? () => Promise.reject(new Error('simulated: R2 unavailable')) : Reflect.get(target, method).bind(target)) }) };
      try {
        await expect(instance.flush()).rejects.toThrow(/R2 unavailable/);
      } finally {
        self.env = realEnv;
      }
      await instance.flush();
      expect(instance.bufferedRows()).toBe(0);
    });

    const answer = await call(SITE, 'admin', 'GET', '/failures?days=3');
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const report = answer.body as unknown as FailuresBody;
    expect(report.limitPercent).toBe(FAILURE_LIMIT_PERCENT);
    expect(report.days).toHaveLength(3);
    const today = report.days.at(-1)!;
    expect(today.date).toBe(new Date().toISOString().slice(0, 10));
    expect(today.counts.flushes_failed).toBe(1);
    expect(today.counts.flushes).toBe(2);
    expect(today.counts.requests).toBeGreaterThanOrEqual(1);
    expect(today.failures).toBe(1);
    expect(today.ratePercent).toBeCloseTo((100 * today.failures) / today.operations, 10);
    expect(report.withinLimit).toBe(false);
    expect(report.daysOverLimit).toEqual([today.date]);

    const refused = await call(SITE, 'admin', 'GET', '/failures?days=0');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_days');
    const misplaced = await call(SITE, 'admin', 'POST', '/alerts', { metric: 'events', limitPercent: 1, webhookUrl: hookUrl('failure-refused') });
    expect(misplaced.status).toBe(400);
    expect(misplaced.body.message).toMatch(/only failure_rate rules take limitPercent/);

    const created = await call(SITE, 'admin', 'POST', '/alerts', { metric: 'failure_rate', minOperations: 1, webhookUrl: hookUrl('failure-rate') });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.rule).toMatchObject({ metric: 'failure_rate', limitPercent: 0.3, minOperations: 1, direction: 'spike', name: 'failure rate over 0.3 %' });
    const ruleId = created.body.rule.id as string;
    const now = Date.now();
    const evaluate = async (minutesLater: number) => (await alertsOf(env, SITE).evaluate(SITE, now + minutesLater * MINUTE_MS)).find((r) => r.ruleId === ruleId)!;
    const fired = await evaluate(0);
    expect(fired.outcome).toBe('spike');
    expect(fired.value).toBeGreaterThan(0.3);
    expect(fired.fired).not.toBeNull();
    const again = await evaluate(5);
    expect(again.fired).toBeNull();
    const hooks = await received('failure-rate');
    expect(hooks).toHaveLength(1);
    const payload = JSON.parse(hooks[0]!.body) as { metric: string; text: string; threshold: { upper: number } };
    expect(payload).toMatchObject({ metric: 'failure_rate', threshold: { upper: 0.3 } });
    expect(payload.text).toMatch(/\[health\] failure rate: \d+ of \d+ operations today failed/);
  });
});
