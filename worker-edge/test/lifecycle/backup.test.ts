import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { EventRow } from '@privacy-analytics/core/schema';
import type { BackupRun, FinishedRun } from '../../src/backup/backup-job';
import { FILES_PER_STEP } from '../../src/backup/backup-job';
import { backupObjectKey, snapshotKey, type Snapshot } from '../../src/backup/backup-layout';
import { backupOf, catalogOf } from '../../src/stubs';
import { decodeParquet } from '../helpers';
import { adminCall, at, byEventId, drain, event, flushSite, hashedId, ingest, manifestOf, objectKeys, rowsInManifest } from './lifecycle-helpers';

const SITE = 'backup';
const backup = () => backupOf(env, SITE);

async function runBackup(options: { maxSteps?: number } = {}): Promise<FinishedRun> {
  await backup().requestRun(SITE, 'test');
  await backup().drain(options);
  const status = await backup().status();
  expect(status.run).toBeNull();
  return status.lastRun!;
}

async function backupKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.BACKUPS.list({ prefix: `sites/${SITE}/`, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys.sort();
}

describe('backups', { timeout: 120_000 }, () => {
  it('copies only new or changed objects, in bounded steps that resume; erasure reaches every snapshot; a restore brings back rows, manifest and catalog', async () => {
    // 24 hour files of yesterday and 28 day-level files of older dates: more files than one step lists.
    const person = 'backup-person@example.com';
    await ingest(SITE, [
      ...Array.from({ length: 24 }, (_, hour) => event({ anonymousId: `visitor-${hour}`, timestamp: at(-1, hour, 5) })),
      ...Array.from({ length: 28 }, (_, i) => event({ anonymousId: `old-${i}`, timestamp: at(-2 - i, 12) })),
      event({ type: 'identify', anonymousId: 'person-device', userId: person, timestamp: at(-1, 3, 30), traits: { plan: 'pro' } }),
      event({ anonymousId: 'person-device', userId: person, timestamp: at(-3, 12, 30) }),
    ]);
    await flushSite(SITE);
    const files = await manifestOf(SITE);
    expect(files.length).toBeGreaterThan(FILES_PER_STEP);

    // One step lists one page and copies its objects; the run resumes from the cursor it kept.
    await backup().requestRun(SITE, 'test', 'full');
    expect(await backup().drain({ maxSteps: 1 })).toBe(1);
    const midway = (await backup().status()).run as BackupRun;
    expect(midway.phase).toBe('list');
    expect(midway.position).not.toBeNull();
    expect(midway.stats.filesListed).toBe(FILES_PER_STEP);
    expect(midway.stats.objectsCopied).toBe(FILES_PER_STEP * 2);
    await backup().drain();
    const first = (await backup().status()).lastRun!;
    expect(first).toMatchObject({ status: 'done', kind: 'full', stats: { filesListed: files.length, objectsCopied: files.length * 2, objectsKept: 0 } });
    const snapshot1 = first.snapshotId!;
    expect((await backupKeys()).filter((k) => k.includes('/objects/'))).toHaveLength(files.length * 2);

    // Nothing changed: nothing copied. One new file: its two objects copied.
    const unchanged = await runBackup();
    expect(unchanged.stats).toMatchObject({ objectsCopied: 0, objectsKept: files.length * 2 });
    await ingest(SITE, [event({ anonymousId: 'late-visitor', timestamp: at(0, 0, 1) })]);
    await flushSite(SITE);
    const incremental = await runBackup();
    expect(incremental.stats).toMatchObject({ objectsCopied: 2, objectsKept: files.length * 2 });

    const stored = JSON.parse(await (await env.BACKUPS.get(snapshotKey(SITE, incremental.snapshotId!)))!.text()) as Snapshot;
    expect(stored.files.map((f) => f.key).sort()).toEqual((await manifestOf(SITE)).map((f) => f.key).sort());
    expect(stored.catalog.tokens.every((t) => /^[0-9a-f]{64}$/.test(t.hash))).toBe(true);
    expect(JSON.stringify(stored)).not.toContain('Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G');

    // Erase the person: the erasure's end asks for a run, which drops every older snapshot and the copies only they held.
    const personIds = new Set([await hashedId(SITE, person), await hashedId(SITE, 'person-device')]);
    const erasure = await adminCall(SITE, 'POST', '/erasure', { userId: person });
    expect(erasure.status, JSON.stringify(erasure.body)).toBe(202);
    await drain(SITE);
    expect((await backup().status()).run?.reason).toMatch(/^erasure .* done$/);
    await backup().drain();
    const afterErasure = (await backup().status()).lastRun!;
    expect(afterErasure.reason).toMatch(/^erasure /);
    expect(afterErasure.stats.snapshotsDropped.erasure).toBeGreaterThanOrEqual(3);
    expect(afterErasure.stats.objectsDeleted).toBeGreaterThanOrEqual(2);
    const snapshots = (await backup().status()).snapshots.map((s) => s.id);
    expect(snapshots).toEqual([afterErasure.snapshotId]);
    expect(snapshots).not.toContain(snapshot1);
    const restoredOld = await adminCall(SITE, 'POST', '/restore', { snapshot: snapshot1, force: true });
    expect(restoredOld.status).toBe(404);
    for (const key of await backupKeys()) {
      if (!key.includes('/objects/events/')) continue;
      const rows = decodeParquet(new Uint8Array(await (await env.BACKUPS.get(key))!.arrayBuffer()));
      expect(rows.filter((r: EventRow) => [r.user_id, r.anonymous_id].some((id) => id !== null && personIds.has(id)))).toEqual([]);
    }

    // Destroy the events (objects gone): the catalog still lists files, so a restore is refused unless forced.
    const before = (await rowsInManifest(SITE)).sort(byEventId);
    const manifestBefore = (await manifestOf(SITE)).map(({ key, rows, bytes, sha256 }) => ({ key, rows, bytes, sha256 })).sort((a, b) => a.key.localeCompare(b.key));
    for (const key of await objectKeys(SITE)) await env.EVENTS.delete([key, key.replace(/^events\//, 'rollups/')]);
    const refused = await adminCall(SITE, 'POST', '/restore', { snapshot: afterErasure.snapshotId });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('site_not_empty');
    expect((await adminCall(SITE, 'POST', '/restore', { snapshot: 'not-an-id' })).status).toBe(400);
    const started = await adminCall(SITE, 'POST', '/restore', { snapshot: afterErasure.snapshotId, force: true });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await backup().drain();
    const restore = await adminCall(SITE, 'GET', '/restore');
    expect(restore.body.restore).toMatchObject({ phase: 'done', snapshotId: afterErasure.snapshotId, files: manifestBefore.length, error: null });
    const manifestAfter = (await manifestOf(SITE)).map(({ key, rows, bytes, sha256 }) => ({ key, rows, bytes, sha256 })).sort((a, b) => a.key.localeCompare(b.key));
    expect(manifestAfter).toEqual(manifestBefore);
    expect((await rowsInManifest(SITE)).sort(byEventId)).toEqual(before);
    expect((await catalogOf(env, SITE).erasedIds()).some((id) => personIds.has(id))).toBe(true);
    const audit = await adminCall(SITE, 'GET', '/audit?action=backup.restore');
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).toContain(afterErasure.snapshotId!);
    expect(await env.BACKUPS.head(backupObjectKey(SITE, manifestAfter[0]!.key))).not.toBeNull();
  });
});
