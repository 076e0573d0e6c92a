import { describe, expect, it } from 'vitest';
import type { DeliveryReport } from '../../edge/edge-admin';
import { isHeldOut } from '@privacy-analytics/core/edge-api';
import { audienceFileName, audienceIdOf, audienceSourceSchema, deliveryProgress, deliveryRequests, hashKeyProblem, heldOut, MAX_MEMBERS_PER_DELIVERY, parseSequenceSteps, planProblem, type DeliveryPlan } from './audience-delivery';

const id = (n: number) => n.toString(16).padStart(32, '0');

describe('audience delivery requests', () => {
  it('a risk list: each member carries score and drivers (finite ones, at most 10), payload "risk" with a plan', () => {
    const drivers = [
      { feature: 'recency_days', value: 18, contribution: 0.84 },
      { feature: 'session_trend', value: Number.NaN, contribution: 0.3 },
      ...Array.from({ length: 12 }, (_, i) => ({ feature: `f${i}`, value: i, contribution: 0.01 })),
    ];
    const plan: DeliveryPlan = { audienceId: 'churn-risk', channel: '', holdout: 0.1, frequencyCap: null, purchaseQuietDays: 0 };
    const [request] = deliveryRequests([{ person: id(7), channel: 'email', score: 0.93, drivers }], 'Churn risk', 'model:churn', '', plan);
    expect(request).toMatchObject({ payload: 'risk', audienceId: 'churn-risk', holdout: 0.1 });
    expect(request!.members[0]!.drivers).toHaveLength(10);
    expect(request!.members[0]!.drivers![0]).toEqual({ feature: 'recency_days', value: 18, contribution: 0.84 });
    expect(request!.members[0]!.drivers!.map((d) => d.feature)).not.toContain('session_trend');
  });

  it('sends pseudonyms with a valid channel and score, once each', () => {
    const [request] = deliveryRequests(
      [
        { person: id(1).toUpperCase(), channel: 'email', score: 0.9 },
        { person: id(2), channel: '(none)' },
        { person: id(1), channel: 'email' },
      ],
      'At risk',
      'model:churn',
      '',
    );
    expect(request).toEqual({ name: 'At risk', source: 'model:churn', members: [{ id: id(1), channel: 'email', score: 0.9 }, { id: id(2) }] });
  });

  it('a marketing audience carries its plan, the hashed contact key, items and the last order time; bad keys are dropped', () => {
    const plan: DeliveryPlan = { audienceId: audienceIdOf('Spring sale, e-mail!'), channel: 'email', holdout: 0.1, frequencyCap: { max: 2, windowDays: 7 }, purchaseQuietDays: 3 };
    const items = [{ item: 'sku-1', score: 0.7, reason: 'personal rank 1 of 40, not bought yet' }];
    const [request] = deliveryRequests(
      [
        { person: id(1), channel: 'email', address: `email:${'ab'.repeat(16)}`, items, lastOrderAt: 1_900_000_000_000 },
        { person: id(2), channel: 'email', address: 'jane@example.com' },
      ],
      'Spring sale',
      'model:recommend',
      '',
      plan,
    );
    expect(request).toEqual({
      name: 'Spring sale',
      source: 'model:recommend',
      audienceId: 'spring-sale-e-mail',
      holdout: 0.1,
      channel: 'email',
      frequencyCap: { max: 2, windowDays: 7 },
      purchaseQuietDays: 3,
      payload: 'recommendations',
      members: [{ id: id(1), channel: 'email', address: `email:${'ab'.repeat(16)}`, items, lastOrderAt: 1_900_000_000_000 }, { id: id(2), channel: 'email' }],
    });
    expect(heldOut(plan, id(3).toUpperCase())).toBe(isHeldOut('spring-sale-e-mail', id(3), 0.1));
    expect(planProblem({ ...plan, holdout: 0.6 })).toMatch(/holdout/);
    expect(planProblem({ ...plan, frequencyCap: { max: 2, windowDays: 0 } })).toMatch(/window/);
    expect(planProblem(plan)).toBeNull();
  });

  it('reads a channel plan: channels with the hours to wait, 24 by default', () => {
    expect(parseSequenceSteps('push 24, SMS 12h > email')).toEqual([
      { channel: 'push', waitHours: 24 },
      { channel: 'sms', waitHours: 12 },
      { channel: 'email', waitHours: 24 },
    ]);
    expect(() => parseSequenceSteps('push for a day')).toThrow('"push for a day": expected a channel');
    expect(() => parseSequenceSteps(' , ')).toThrow('at least one channel');
  });

  it('passes the chosen webhook and splits large audiences', () => {
    const members = Array.from({ length: MAX_MEMBERS_PER_DELIVERY + 1 }, (_, i) => ({ person: id(i + 1), channel: 'email' }));
    const requests = deliveryRequests(members, 'Big', 'segment:big', ' https://crm.example.com/hook ');
    expect(requests.map((r) => [r.name, r.members.length, r.webhookUrl])).toEqual([
      ['Big (part 1)', MAX_MEMBERS_PER_DELIVERY, 'https://crm.example.com/hook'],
      ['Big (part 2)', 1, 'https://crm.example.com/hook'],
    ]);
  });

  it('refuses raw ids and empty audiences with a reason', () => {
    expect(() => deliveryRequests([{ person: 'alice@example.com', channel: '' }], 'x', 'segment:x', '')).toThrow('person "alice@example.com" is not an edge pseudonym');
    expect(() => deliveryRequests([], 'x', 'segment:x', '')).toThrow('the audience is empty');
  });

  it('checks the hash key, the source label and makes file names', () => {
    expect(hashKeyProblem('short')).toBe('the hash key must be at least 16 characters (it has 5)');
    expect(hashKeyProblem('a-long-enough-key')).toBeNull();
    expect(audienceSourceSchema.safeParse('segment:At risk').success).toBe(true);
    expect(audienceSourceSchema.safeParse('rfm').success).toBe(false);
    expect(audienceFileName('At risk, March!')).toBe('audience-at-risk-march');
  });
});

describe('delivery progress', () => {
  const report = (over: Partial<DeliveryReport>): DeliveryReport => ({
    deliveryId: 'd1',
    status: 'queued',
    members: 2500,
    membersDelivered: 0,
    batches: 3,
    batchesDelivered: 0,
    attempts: 0,
    destination: 'https://crm.example.com/hooks/audiences',
    lastError: null,
    failure: null,
    nextAttemptAt: null,
    ...over,
  });

  it('says queued, retrying, delivered or failed, with how many persons arrived', () => {
    expect(deliveryProgress([report({})])).toEqual({ text: '0 of 2,500 persons sent to https://crm.example.com/hooks/audiences (queued, delivery d1).', finished: false, failed: false });
    expect(deliveryProgress([report({ status: 'delivering', membersDelivered: 1000, lastError: 'HTTP 503', nextAttemptAt: '2031-01-01T12:00:30.000Z' })]).text).toBe(
      '1,000 of 2,500 persons sent to https://crm.example.com/hooks/audiences (delivering, delivery d1). The receiver answered HTTP 503; the edge tries again at 12:00:30 UTC.',
    );
    expect(deliveryProgress([report({ status: 'delivered', membersDelivered: 2500 }), report({ deliveryId: 'd2', status: 'delivered', members: 10, membersDelivered: 10 })])).toEqual({
      text: 'Delivered 2,510 of 2,510 persons through the edge to https://crm.example.com/hooks/audiences (delivery d1, d2).',
      finished: true,
      failed: false,
    });
    const marketing = report({ status: 'delivered', membersDelivered: 2000, holdout: { share: 0.1, heldOut: 250 }, suppressed: { no_consent: 200, frequency_cap: 50 } });
    expect(deliveryProgress([marketing]).text).toBe(
      'Delivered 2,000 of 2,500 persons through the edge to https://crm.example.com/hooks/audiences (delivery d1); 250 kept back as the holdout; suppressed: 200 no consent, 50 frequency cap.',
    );
    expect(deliveryProgress([report({ status: 'failed', membersDelivered: 1000, failure: 'batch 2 of 3: HTTP 500 (after 8 attempts)' })])).toEqual({
      text: 'Delivery d1 failed: batch 2 of 3: HTTP 500 (after 8 attempts). 1,000 of 2,500 persons arrived.',
      finished: true,
      failed: true,
    });
  });
});
