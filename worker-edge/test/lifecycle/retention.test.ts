import { createExecutionContext, env, SELF, waitOnExecutionContext, createScheduledController, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { retentionCutoff } from '../../src/lifecycle/retention-policy';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { adminCall, at, DAY_MS, drain, event, flushSite, ingest, manifestOf, objectKeys, storeBypassingHorizon } from './lifecycle-helpers';
import { lifecycleOf } from '../../src/stubs';

const SITE = 'retention';
const isoDay = (offset: number) => at(offset, 0).slice(0, 10);

describe('retention cutoff', () => {
  it('keeps at least retentionDays full days', () => {
    const now = Date.parse('2026-11-30T13:00:00Z');
    expect(retentionCutoff(now, 30)).toBe('2026-10-31');
    expect(retentionCutoff(now, 1)).toBe('2026-11-29');
    expect(retentionCutoff(Date.parse('2026-11-30T00:00:00Z'), 1095)).toBe('2023-12-01');
  });
});

describe('scheduled retention', () => {
  it('deletes exactly the expired partitions, including strays, and records what it deleted', async () => {
    // Site "retention" keeps 30 days (SITES config): dates before today-30 go.
    const days = [-45, -31, -30, -29, -1];
    const messagesOf = (offsets: number[]) => offsets.flatMap((day) => [3, 15].map((hour) => event({ anonymousId: `v${day}`, timestamp: at(day, hour) })));
    // Ingest refuses events dated before the retention cutoff (its horizon), so the expired days go straight into the
    // buffer, like events kept from before retention was shortened.
    await ingest(SITE, messagesOf([-30, -29, -1]));
    await storeBypassingHorizon(SITE, messagesOf([-45, -31]));
    await flushSite(SITE);
    const stray = `events/site=${SITE}/date=${isoDay(-40)}/hour=07/s9-f0000000001.parquet`;
    await env.EVENTS.put(stray, new Uint8Array([1, 2, 3]));
    const before = await manifestOf(SITE);
    expect(new Set(before.map((f) => f.date))).toEqual(new Set(days.map(isoDay)));

    const controller = createScheduledController({ cron: '*/5 * * * *', scheduledTime: Date.now() });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, env, ctx);
    await waitOnExecutionContext(ctx);
    const pending = await runInDurableObject(lifecycleOf(env, SITE), (_i, state) => state.storage.sql.exec<{ kind: string }>('SELECT kind FROM pending_work ORDER BY kind').toArray().map((r) => r.kind));
    expect(pending).toEqual(['compaction', 'retention']);
    await drain(SITE);

    const kept = [-30, -29, -1].map(isoDay);
    const after = await manifestOf(SITE);
    expect([...new Set(after.map((f) => f.date))].sort()).toEqual(kept);
    // The same tick also compacted the kept dates, so compare rows rather than keys.
    const rowsOf = (files: ManifestEntry[]) => files.reduce((n, f) => n + f.rows, 0);
    expect(rowsOf(after)).toBe(rowsOf(before.filter((f) => kept.includes(f.date))));
    const remainingDates = new Set((await objectKeys(SITE)).map((key) => /date=([\d-]+)/.exec(key)![1]));
    expect([...remainingDates].sort()).toEqual(kept);

    const audit = await adminCall(SITE, 'GET', '/audit?action=retention.delete');
    const entries = audit.body.entries as { actor: string; details: Record<string, unknown> }[];
    const deletedFiles = before.filter((f) => !kept.includes(f.date));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: 'system',
      details: {
        retentionDays: 30,
        retentionSource: 'config',
        cutoff: isoDay(-30),
        dates: [isoDay(-45), isoDay(-31)],
        files: deletedFiles.length,
        rows: deletedFiles.reduce((n, f) => n + f.rows, 0),
        bytes: deletedFiles.reduce((n, f) => n + f.bytes, 0),
        strayObjects: 1,
      },
    });

    await drain(SITE);
    expect(await manifestOf(SITE)).toEqual(after);
  });

  it('an admin can shorten retention (with confirmation) or restore the configured value', async () => {
    // The configured 30 days are below the default floor of 1095, so the floor is those 30 days.
    expect((await adminCall(SITE, 'GET', '/settings/retention')).body).toMatchObject({ retentionDays: 30, source: 'config', configuredDays: 30, floorDays: 30, belowFloor: false });
    const belowFloor = await adminCall(SITE, 'PUT', '/settings/retention', { retentionDays: 2, confirm: true });
    expect(belowFloor.status).toBe(409);
    expect(belowFloor.body).toMatchObject({ error: 'below_retention_floor', floorDays: 30 });
    const noReason = await adminCall(SITE, 'PUT', '/settings/retention', { retentionDays: 2, confirm: true, override: true });
    expect(noReason.status).toBe(400);
    expect(noReason.body).toMatchObject({ error: 'override_reason_required', floorDays: 30 });
    const unconfirmed = await adminCall(SITE, 'PUT', '/settings/retention', { retentionDays: 2, override: true, reason: 'test data only' });
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.body).toMatchObject({ error: 'confirmation_required', cutoff: isoDay(-2) });
    expect((await manifestOf(SITE)).some((f) => f.date === isoDay(-29))).toBe(true);

    const confirmed = await adminCall(SITE, 'PUT', '/settings/retention', { retentionDays: 2, confirm: true, override: true, reason: 'test data only' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ retentionDays: 2, source: 'api', oldestKeptDate: isoDay(-2), floorDays: 30, belowFloor: true });
    await drain(SITE);
    expect([...new Set((await manifestOf(SITE)).map((f) => f.date))]).toEqual([isoDay(-1)]);

    expect((await adminCall(SITE, 'PUT', '/settings/retention', { retentionDays: 4000 })).status).toBe(200);
    expect((await adminCall(SITE, 'PUT', '/settings/retention', { retentionDays: null })).status).toBe(409);
    expect((await adminCall(SITE, 'PUT', '/settings/retention', { retentionDays: null, confirm: true })).body).toMatchObject({ retentionDays: 30, source: 'config' });
    expect((await adminCall(SITE, 'PUT', '/settings/retention', { retentionDays: 0 })).status).toBe(400);

    const updates = (await adminCall(SITE, 'GET', '/audit?action=retention.update')).body.entries as { actor: string; details: Record<string, unknown> }[];
    expect(updates.map((e) => [e.details.from, e.details.to])).toEqual([[4000, 30], [2, 4000]]);
    expect(updates.every((e) => e.actor === 'config:admin:0')).toBe(true);
    const overrides = (await adminCall(SITE, 'GET', '/audit?action=retention.override')).body.entries as { actor: string; details: Record<string, unknown> }[];
    expect(overrides).toEqual([expect.objectContaining({ actor: 'config:admin:0', details: { from: 30, to: 2, source: 'api', floorDays: 30, override: true, reason: 'test data only' } })]);
  });

  it('the default is three years, which is also the floor', async () => {
    const res = await SELF.fetch('https://edge.test/v1/sites/demo/settings/retention', { headers: { authorization: 'Bearer demo-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' } });
    expect(await res.json()).toMatchObject({ retentionDays: 1095, source: 'default', floorDays: 1095, oldestKeptDate: new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - 1095 * DAY_MS).toISOString().slice(0, 10) });
  });
});
