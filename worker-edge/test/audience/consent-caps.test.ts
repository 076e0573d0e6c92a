import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { isHeldOut } from '@privacy-analytics/core/edge-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AudienceBatchPayload } from '../../src/audience/audience-delivery';
import { audiencesOf, catalogOf } from '../../src/stubs';
import { call, DAY_MS, hashedIdOf, hookUrl, ingestNow, randomGenerator, received, restoreClock, setClock } from '../alerts/alert-helpers';
import { verifyWebhook } from '../alerts/verify-webhook';

const SITE = 'audience-consent';
const SECRET = `test-webhook-secret-${SITE}`;

async function deliver(body: Record<string, unknown>) {
  const res = await call(SITE, 'read', 'POST', '/audiences/deliveries', { webhookUrl: hookUrl('audience-consent'), ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.deliveryId as string;
}

async function status(deliveryId: string) {
  const res = await call(SITE, 'read', 'GET', `/audiences/deliveries/${deliveryId}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function consent(records: Record<string, unknown>[]) {
  const res = await call(SITE, 'admin', 'POST', '/consent', { records });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.hashedIds as string[];
}

async function runAlarmsUntilIdle(maxRuns = 60): Promise<void> {
  for (let run = 0; run < maxRuns; run++) {
    const due = await runInDurableObject(audiencesOf(env, SITE), (_instance, state) => state.storage.getAlarm());
    if (due === null) return;
    setClock(Math.max(due, Date.now()));
    await runDurableObjectAlarm(audiencesOf(env, SITE));
  }
  throw new Error(`the audience queue was still busy after ${maxRuns} alarm runs`);
}

async function batchesOf(hook: string, deliveryId: string): Promise<{ payload: AudienceBatchPayload; status: number; headers: Record<string, string>; body: string }[]> {
  return (await received(hook)).filter((p) => p.headers['x-webhook-id']?.startsWith(`${deliveryId}-`)).map((p) => ({ payload: JSON.parse(p.body) as AudienceBatchPayload, status: p.status, headers: p.headers, body: p.body }));
}

const sentIds = async (deliveryId: string, hook = 'audience-consent') =>
  (await batchesOf(hook, deliveryId)).filter((b) => b.status === 200).flatMap((b) => b.payload.members.map((m) => m.id));

let clock = Date.UTC(2032, 0, 1);
beforeEach(() => {
  clock += 30 * DAY_MS;
  setClock(clock);
});
afterEach(async () => {
  await runAlarmsUntilIdle();
  restoreClock();
});

describe('consent records', () => {
  it('are read from identify traits, "Consent Updated" and Segment Consent Management events, stored under the pseudonym with time and source', async () => {
    const at = new Date(clock - 60_000).toISOString();
    await ingestNow(SITE, [
      { type: 'identify', userId: 'consent-user-1', messageId: 'c-1', timestamp: at, traits: { consent: { email: true, sms: true, analytics: true } } },
      { type: 'track', userId: 'consent-user-1', messageId: 'c-2', timestamp: new Date(clock - 30_000).toISOString(), event: 'Consent Updated', properties: { purpose: 'sms', granted: false } },
      {
        type: 'track',
        userId: 'consent-user-1',
        messageId: 'c-3',
        timestamp: new Date(clock - 20_000).toISOString(),
        event: 'Segment Consent Preference Updated',
        context: { consent: { categoryPreferences: { Advertising: false, Functional: true } } },
      },
    ]);
    const res = await call(SITE, 'admin', 'GET', '/consent?userId=consent-user-1');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.hashedId).toMatch(/^[0-9a-f]{32}$/);
    expect(res.body.current).toMatchObject({
      'marketing:email': { granted: true, source: 'identify', at },
      'marketing:sms': { granted: false, source: 'track:Consent Updated' },
      analytics: { granted: true },
      advertising: { granted: false, source: 'track:Segment Consent Preference Updated' },
      functional: { granted: true },
    });
    expect(res.body.records).toHaveLength(6);
    // The raw id is nowhere in what is stored.
    expect(JSON.stringify(res.body)).not.toContain('consent-user-1');
    const byHash = await call(SITE, 'admin', 'GET', `/consent?hashedId=${res.body.hashedId}`);
    expect(byHash.body.records).toEqual(res.body.records);
  });

  it('the consent API takes userId or hashedId, refuses bad records with 400 and other roles with 403, and audits counts only', async () => {
    const [hashed] = await consent([{ userId: 'crm-person-7', purpose: 'marketing:email', granted: true, source: 'crm:signup' }]);
    const viaIngest = await call(SITE, 'admin', 'GET', '/consent?userId=crm-person-7');
    expect(viaIngest.body.hashedId).toBe(hashed);
    expect(viaIngest.body.current['marketing:email']).toMatchObject({ granted: true, source: 'api:crm:signup' });

    for (const bad of [
      { purpose: 'email', granted: true, source: 'crm' },
      { userId: 'x', hashedId: hashedIdOf(1), purpose: 'email', granted: true, source: 'crm' },
      { hashedId: 'jane@example.com', purpose: 'email', granted: true, source: 'crm' },
      { userId: 'x', purpose: 'Marketing Email!', granted: true, source: 'crm' },
      { userId: 'x', purpose: 'email', granted: 'maybe', source: 'crm' },
      { userId: 'x', purpose: 'email', granted: true },
    ]) {
      const res = await call(SITE, 'admin', 'POST', '/consent', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error).toBe('invalid_consent');
    }
    expect((await call(SITE, 'read', 'POST', '/consent', { userId: 'x', purpose: 'email', granted: true, source: 'crm' })).status).toBe(403);
    expect((await call(SITE, 'read', 'GET', `/consent?hashedId=${hashed}`)).status).toBe(403);
    expect((await call(SITE, 'admin', 'GET', '/consent?hashedId=nothex')).status).toBe(400);

    const audit = await call(SITE, 'admin', 'GET', '/audit?limit=500');
    const entry = audit.body.entries.find((e: { action: string }) => e.action === 'consent.record');
    expect(entry.details).toMatchObject({ records: 1, granted: 1, withdrawn: 0, purposes: ['marketing:email'], sources: ['api:crm:signup'] });
    expect(JSON.stringify(audit.body)).not.toContain(hashed);
  });
});

describe('the consent check for CSV exports', () => {
  it('answers which ids have marketing consent for the channel now; 400 for raw ids', async () => {
    const ids = [hashedIdOf(40_000), hashedIdOf(40_001), hashedIdOf(40_002)];
    await consent([
      { hashedId: ids[0], purpose: 'marketing', granted: true, source: 'crm' },
      { hashedId: ids[1], purpose: 'email', granted: true, source: 'crm' },
      { hashedId: ids[1], purpose: 'sms', granted: false, source: 'crm' },
    ]);
    const email = await call(SITE, 'read', 'POST', '/audiences/consent', { channel: 'email', ids: ids.map((id) => id.toUpperCase()) });
    expect(email.status, JSON.stringify(email.body)).toBe(200);
    expect(email.body).toMatchObject({ purpose: 'marketing:email', checked: 3, granted: [ids[0], ids[1]] });
    expect((await call(SITE, 'read', 'POST', '/audiences/consent', { channel: 'sms', ids })).body.granted).toEqual([ids[0]]);
    const raw = await call(SITE, 'read', 'POST', '/audiences/consent', { channel: 'sms', ids: ['jane@example.com'] });
    expect([raw.status, raw.body.error]).toEqual([400, 'invalid_consent_check']);
  });
});

describe('marketing audiences', () => {
  it('carry the contact key and recommended items, and leave out members without consent, who withdrew, or who ordered within the quiet days', async () => {
    const ids = Array.from({ length: 5 }, (_, i) => hashedIdOf(50_000 + i));
    await consent([
      { hashedId: ids[0], purpose: 'email', granted: true, source: 'crm' },
      { hashedId: ids[1], purpose: 'email', granted: true, source: 'crm', at: new Date(clock - 2000).toISOString() },
      { hashedId: ids[1], purpose: 'marketing', granted: false, source: 'app', at: new Date(clock - 1000).toISOString() },
      // ids[2]: no record at all.
      { hashedId: ids[3], purpose: 'marketing', granted: true, source: 'crm' },
      { hashedId: ids[4], purpose: 'marketing:email', granted: true, source: 'crm' },
    ]);
    const items = [
      { item: 'sku-42', score: 0.61, reason: 'bought together with sku-7' },
      { item: 'sku-9', score: 0.33 },
    ];
    const deliveryId = await deliver({
      name: 'Recommendations, email',
      source: 'model:recommend',
      audienceId: 'recs-email',
      channel: 'email',
      members: [
        { id: ids[0], address: `email:${'a'.repeat(32)}`, items },
        { id: ids[1], address: `email:${'b'.repeat(32)}`, items },
        { id: ids[2], address: `email:${'c'.repeat(32)}`, items },
        { id: ids[3], address: `email:${'d'.repeat(32)}`, items, lastOrderAt: new Date(clock - 2 * DAY_MS).toISOString() },
        { id: ids[4], address: `email:${'e'.repeat(32)}`, items, lastOrderAt: new Date(clock - 4 * DAY_MS).toISOString() },
      ],
    });
    await runAlarmsUntilIdle();
    const [batch] = await batchesOf('audience-consent', deliveryId);
    expect(verifyWebhook(SECRET, batch!.headers, batch!.body, clock / 1000)).toBe(true);
    expect(batch!.payload.audience).toEqual({ id: 'recs-email', name: 'Recommendations, email', source: 'model:recommend', size: 5, channel: 'email', purpose: 'marketing:email', payload: 'recommendations', holdout: 0 });
    expect(batch!.payload.members).toEqual([
      { id: ids[0], address: `email:${'a'.repeat(32)}`, items },
      { id: ids[4], address: `email:${'e'.repeat(32)}`, items },
    ]);
    expect(await status(deliveryId)).toMatchObject({
      status: 'delivered',
      members: 5,
      membersDelivered: 2,
      channel: 'email',
      frequencyCap: { max: 2, windowDays: 7 },
      purchaseQuietDays: 3,
      suppressed: { consent_withdrawn: 1, no_consent: 1, recent_purchase: 1 },
    });
    const audit = await call(SITE, 'admin', 'GET', '/audit?limit=500');
    const outcome = audit.body.entries.find((e: { action: string; details: { deliveryId?: string } }) => e.action === 'audience.delivered' && e.details.deliveryId === deliveryId);
    expect(outcome.details).toMatchObject({ purpose: 'marketing:email', membersDelivered: 2, heldOut: 0 });
    expect(JSON.parse(outcome.details.suppressed)).toEqual({ consent_withdrawn: 1, no_consent: 1, recent_purchase: 1 });
  });

  it('members with many recommended items go in smaller batches (a batch stays under 1 MB), each delivered whole', async () => {
    const reason = 'r'.repeat(200);
    const items = Array.from({ length: 20 }, (_, i) => ({ item: `sku-${'x'.repeat(90)}-${i}`, score: i / 20, reason }));
    const members = Array.from({ length: 400 }, (_, i) => ({ id: hashedIdOf(110_000 + i), items }));
    const deliveryId = await deliver({ name: 'Heavy items', source: 'model:recommend', members });
    await runAlarmsUntilIdle();
    const batches = await batchesOf('audience-consent', deliveryId);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.every((b) => b.body.length < 1.1 * 1024 * 1024)).toBe(true);
    expect(batches.flatMap((b) => b.payload.members.map((m) => m.id))).toEqual(members.map((m) => m.id));
    expect(await status(deliveryId)).toMatchObject({ status: 'delivered', membersDelivered: 400, payload: 'recommendations' });
  });

  it('caps messages per person and channel in the window (at most 2 a week by default), counting each channel on its own', async () => {
    const id = hashedIdOf(60_000);
    await consent([{ hashedId: id, purpose: 'marketing', granted: true, source: 'crm' }]);
    const sends: number[] = [];
    for (const [offsetDays, channel] of [[0, 'email'], [1, 'email'], [2, 'email'], [2, 'sms'], [7.5, 'email']] as const) {
      setClock(clock + offsetDays * DAY_MS);
      const deliveryId = await deliver({ name: `Cap ${offsetDays} ${channel}`, source: 'segment:cap', channel, members: [{ id }] });
      await runAlarmsUntilIdle();
      sends.push((await sentIds(deliveryId)).length);
      if (offsetDays === 2 && channel === 'email') expect((await status(deliveryId)).suppressed).toEqual({ frequency_cap: 1 });
    }
    // Day 2 email is the third in a week; day 7.5 is a week after the first.
    expect(sends).toEqual([1, 1, 0, 1, 1]);
  });

  it('a withdrawal recorded between two attempts of a batch takes the member out of the retry; an evicted object does not count a send twice', async () => {
    const ids = [hashedIdOf(70_000), hashedIdOf(70_001)];
    await consent(ids.map((hashedId) => ({ hashedId, purpose: 'sms', granted: true, source: 'crm' })));
    const deliveryId = await deliver({ name: 'Withdrawn meanwhile', source: 'segment:w', channel: 'sms', webhookUrl: hookUrl('audience-consent-flaky', '?fail=1'), members: ids.map((id) => ({ id })) });
    await runDurableObjectAlarm(audiencesOf(env, SITE));
    expect(await status(deliveryId)).toMatchObject({ status: 'delivering', lastHttpStatus: 503 });
    await consent([{ hashedId: ids[1], purpose: 'sms', granted: false, source: 'app:settings' }]);
    await evictDurableObject(audiencesOf(env, SITE));
    await runAlarmsUntilIdle();
    const posts = await batchesOf('audience-consent-flaky', deliveryId);
    expect(posts.map((p) => [p.status, p.payload.members.map((m) => m.id)])).toEqual([
      [503, ids],
      [200, [ids[0]]],
    ]);
    expect(new Set(posts.map((p) => p.headers['x-webhook-id']))).toEqual(new Set([`${deliveryId}-0`]));
    expect(await status(deliveryId)).toMatchObject({ status: 'delivered', membersDelivered: 1, suppressed: { consent_withdrawn: 1 } });
    const counted = await runInDurableObject(audiencesOf(env, SITE), (_instance, state) =>
      state.storage.sql.exec<{ person: string }>(`SELECT person FROM audience_sends WHERE delivery_id = ?`, deliveryId).toArray().map((r) => r.person),
    );
    expect(counted).toEqual([ids[0]]);
  });

  it('erased persons stay out of every later delivery, marketing or not', async () => {
    const ids = [hashedIdOf(80_000), hashedIdOf(80_001)];
    await consent(ids.map((hashedId) => ({ hashedId, purpose: 'marketing', granted: true, source: 'crm' })));
    await catalogOf(env, SITE).addErasedIds([ids[1]!], 'erasure-consent-test');
    const marketing = await deliver({ name: 'Erased, email', source: 'segment:e', channel: 'email', members: ids.map((id) => ({ id })) });
    const sync = await deliver({ name: 'Erased, CRM sync', source: 'segment:e', members: ids.map((id) => ({ id })) });
    await runAlarmsUntilIdle();
    expect(await sentIds(marketing)).toEqual([ids[0]]);
    expect(await sentIds(sync)).toEqual([ids[0]]);
    expect((await status(sync)).suppressed).toEqual({ erased: 1 });
  });

  it('keeps a deterministic holdout undelivered: the share is within tolerance and the same persons are held out in every delivery of the audience', async () => {
    const ids = Array.from({ length: 2000 }, (_, i) => hashedIdOf(90_000 + i));
    const first = await deliver({ name: 'Holdout', source: 'segment:h', audienceId: 'spring-sale', holdout: 0.2, members: ids.map((id) => ({ id })) });
    const second = await deliver({ name: 'Holdout again', source: 'segment:h', audienceId: 'spring-sale', holdout: 0.2, members: ids.map((id) => ({ id })) });
    await runAlarmsUntilIdle();
    const sent = await sentIds(first);
    const info = await status(first);
    expect(info.holdout.share).toBe(0.2);
    expect(info.holdout.heldOut + sent.length).toBe(2000);
    // 2000 draws at 0.2: the standard deviation of the share is 0.009; 0.05 is over five of them.
    expect(Math.abs(info.holdout.heldOut / 2000 - 0.2)).toBeLessThan(0.05);
    expect(sent).toEqual(ids.filter((id) => !isHeldOut('spring-sale', id, 0.2)));
    expect(await sentIds(second)).toEqual(sent);
  });

  it('property: over random consent changes, deliveries and days, no delivered member lacks consent for the channel and no person gets more than the cap in any window', async () => {
    const random = randomGenerator(2104);
    const persons = Array.from({ length: 24 }, (_, i) => hashedIdOf(100_000 + i));
    const purposes = ['marketing', 'marketing:email', 'marketing:sms', 'analytics'];
    /** The consent log as the test made it, in order; the latest record over a channel's purposes decides. */
    const log: { person: string; purpose: string; granted: boolean; at: number }[] = [];
    const granted = (person: string, channel: string, now: number) => {
      const relevant = log.filter((r) => r.person === person && (r.purpose === 'marketing' || r.purpose === `marketing:${channel}`) && r.at <= now);
      let latest: (typeof relevant)[number] | undefined;
      for (const r of relevant) if (!latest || r.at >= latest.at) latest = r;
      return latest?.granted === true;
    };
    const caps = [null, { max: 1, windowDays: 3 }, { max: 2, windowDays: 7 }];
    const sends: { person: string; channel: string; at: number; cap: { max: number; windowDays: number } | null }[] = [];
    let now = clock;
    let checked = 0;
    for (let round = 0; round < 25; round++) {
      const changes = Array.from({ length: 1 + Math.floor(random() * 6) }, () => ({
        person: persons[Math.floor(random() * persons.length)]!,
        purpose: purposes[Math.floor(random() * purposes.length)]!,
        granted: random() < 0.6,
        // Some choices are reported late, with an earlier time than one already recorded.
        at: now - Math.floor(random() * 2) * 3_600_000,
      }));
      await consent(changes.map((c) => ({ hashedId: c.person, purpose: c.purpose, granted: c.granted, source: 'property', at: new Date(c.at).toISOString() })));
      log.push(...changes);
      const channel = random() < 0.5 ? 'email' : 'sms';
      const cap = caps[Math.floor(random() * caps.length)]!;
      const members = persons.filter(() => random() < 0.6).map((id) => ({ id }));
      if (members.length === 0) continue;
      const deliveryId = await deliver({ name: `Property ${round}`, source: 'segment:p', channel, frequencyCap: cap, purchaseQuietDays: 0, webhookUrl: hookUrl('audience-consent-property'), members });
      await runAlarmsUntilIdle();
      for (const batch of await batchesOf('audience-consent-property', deliveryId)) {
        for (const member of batch.payload.members) {
          expect(granted(member.id, channel, Date.now()), `round ${round}: ${member.id} on ${channel} without consent`).toBe(true);
          checked++;
          sends.push({ person: member.id, channel, at: Date.parse(batch.payload.sentAt), cap });
        }
      }
      now += Math.floor(random() * 3 * DAY_MS);
      setClock(now);
    }
    // Every send respected the cap its delivery asked for: no earlier sends on the channel within its window reached max.
    for (const send of sends) {
      if (!send.cap) continue;
      const before = sends.filter((s) => s !== send && s.person === send.person && s.channel === send.channel && s.at <= send.at && s.at > send.at - send.cap!.windowDays * DAY_MS && sends.indexOf(s) < sends.indexOf(send));
      expect(before.length, `${send.person} on ${send.channel} at ${new Date(send.at).toISOString()}`).toBeLessThan(send.cap.max);
    }
    // The property is not vacuous: members were delivered, and some were left out.
    expect(checked).toBeGreaterThan(30);
    expect(sends.length).toBeLessThan(25 * persons.length);
  });
});
