import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO, runLifecycleCron, startLocalEdge, type LocalEdge } from '@privacy-analytics/scripts/harness';
import { main as restoreCli } from '@privacy-analytics/scripts/restore';
import { flushAndReadBack, readBack, readBackRows } from './read-back';

const running: LocalEdge[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((edge) => edge.stop()));
});

const admin = { authorization: `Bearer ${DEMO.adminToken}`, 'content-type': 'application/json' };
const PERSON = 'restore-person@example.com';
const MARKER = 'erased-person-marker-7f3k';

async function api(edge: LocalEdge, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${edge.url}/v1/sites/${DEMO.site}${path}`, { method, headers: admin, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** Polls until `done` holds (the edge's alarms do the work); the limit only ends a hung run, it asserts nothing. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((p) => join(dir, p)).filter((p) => statSync(p).isFile());
}

/** "Destroy": a new state directory holding nothing but the backup bucket (its blobs and its object index). */
function keepOnlyBackups(from: string): string {
  const to = mkdtempSync(join(tmpdir(), 'pa-e2e-restore-'));
  const r2 = join(from, 'v3', 'r2');
  cpSync(join(r2, 'privacy-analytics-backups'), join(to, 'v3', 'r2', 'privacy-analytics-backups'), { recursive: true });
  const index = join(r2, 'miniflare-R2BucketObject');
  mkdirSync(join(to, 'v3', 'r2', 'miniflare-R2BucketObject'), { recursive: true });
  const dbs = readdirSync(index).filter((name) => /^[0-9a-f]{64}\.sqlite$/.test(name));
  const backupDbs = dbs.filter((db) => [db, `${db}-wal`].some((f) => { try { return readFileSync(join(index, f)).includes('sites/demo/snapshots/'); } catch { return false; } }));
  expect(backupDbs).toHaveLength(1);
  for (const name of readdirSync(index).filter((n) => n.startsWith(backupDbs[0]!) || n.startsWith('metadata'))) cpSync(join(index, name), join(to, 'v3', 'r2', 'miniflare-R2BucketObject', name));
  return to;
}

describe('backup and restore in wrangler dev', () => {
  it('ingest, back up, erase a person, back up again, destroy, restore: every row and the manifest are back, the person is not', async () => {
    const first = await startLocalEdge({ testScheduled: true });
    running.push(first);
    const batch = [
      ...Array.from({ length: 30 }, (_, i) => ({ type: 'track', event: 'Kept', messageId: `kept-${i}`, anonymousId: `visitor-${i % 7}`, properties: { n: i } })),
      { type: 'identify', messageId: 'person-identify', anonymousId: 'person-device', userId: PERSON, traits: { plan: 'pro' } },
      { type: 'track', event: 'Secret', messageId: 'person-track', anonymousId: 'person-device', userId: PERSON, properties: { note: MARKER } },
    ];
    const sent = await fetch(`${first.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO.writeKey}:`).toString('base64')}`, 'content-type': 'application/json', 'user-agent': 'backup-e2e-test' },
      body: JSON.stringify({ batch }),
    });
    expect(await sent.json()).toMatchObject({ accepted: batch.length });
    const stored = await flushAndReadBack(first.url, DEMO.site, { admin: DEMO.adminToken, read: DEMO.readToken });
    expect(stored).toHaveLength(batch.length);
    const secret = stored.find((r) => r.event === 'Secret')!;
    const personIds = [secret.user_id!, secret.anonymous_id!];
    expect(personIds.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);

    // The cron trigger starts the day's (first: full) run; the edge's alarms carry it out.
    await runLifecycleCron(first.url);
    const firstRun = await until(() => api(first, 'GET', '/backups'), (r) => r.body.run === null && r.body.lastRun !== null, 'the first backup run');
    expect(firstRun.body.lastRun).toMatchObject({ status: 'done', kind: 'full' });
    const beforeErasure = firstRun.body.lastRun.snapshotId as string;

    const erasure = await api(first, 'POST', '/erasure', { userId: PERSON });
    expect(erasure.status).toBe(202);
    await until(() => api(first, 'GET', `/erasure/${erasure.body.id}`), (r) => r.body.status === 'done', 'the erasure');
    const afterRun = await until(() => api(first, 'GET', '/backups'), (r) => r.body.run === null && String(r.body.lastRun?.reason).startsWith('erasure'), 'the backup run the erasure asked for');
    const snapshot = afterRun.body.lastRun.snapshotId as string;
    expect(afterRun.body.storedSnapshots).toEqual([snapshot]);
    expect(afterRun.body.storedSnapshots).not.toContain(beforeErasure);

    const rowsBefore = (await readBack(first.url, DEMO.site, DEMO.readToken)).map((r) => JSON.stringify(r)).sort();
    expect(rowsBefore).toHaveLength(30);
    const manifestBefore = ((await (await fetch(`${first.url}/v1/sites/demo/manifest`, { headers: admin })).json()) as { files: { key: string; rows: number; sha256: string }[] }).files
      .map(({ key, rows, sha256 }) => ({ key, rows, sha256 }))
      .sort((a, b) => a.key.localeCompare(b.key));
    await first.stop();
    running.splice(running.indexOf(first), 1);

    const second = await startLocalEdge({ persistDir: keepOnlyBackups(first.persistDir) });
    running.push(second);
    expect(await readBack(second.url, DEMO.site, DEMO.readToken)).toHaveLength(0);
    expect(await restoreCli(['--site', 'demo', '--snapshot', 'not-a-snapshot', '--edge', second.url], {}, 50)).toBe(1);
    expect(await restoreCli(['--site', 'demo', '--snapshot', snapshot, '--edge', second.url, '--token', DEMO.adminToken], {}, 100)).toBe(0);

    const rowsAfter = (await readBack(second.url, DEMO.site, DEMO.readToken)).map((r) => JSON.stringify(r)).sort();
    expect(rowsAfter).toEqual(rowsBefore);
    const manifestAfter = ((await (await fetch(`${second.url}/v1/sites/demo/manifest`, { headers: admin })).json()) as { files: { key: string; rows: number; sha256: string }[] }).files
      .map(({ key, rows, sha256 }) => ({ key, rows, sha256 }))
      .sort((a, b) => a.key.localeCompare(b.key));
    expect(manifestAfter).toEqual(manifestBefore);
    const again = await api(second, 'POST', '/restore', { snapshot });
    expect(again.status).toBe(409);
    const audit = await api(second, 'GET', '/audit?action=backup.restore');
    expect(JSON.stringify(audit.body)).toContain(snapshot);

    // Byte scan of everything the restored edge stores (both buckets): Parquet decoded (its pages are compressed), the rest raw.
    let parquetFiles = 0;
    for (const file of filesUnder(join(second.persistDir, 'v3', 'r2'))) {
      const bytes = readFileSync(file);
      expect(bytes.includes(MARKER), file).toBe(false);
      expect(bytes.includes(PERSON), file).toBe(false);
      if (bytes.subarray(0, 4).toString() === 'PAR1' && bytes.subarray(-4).toString() === 'PAR1') {
        parquetFiles++;
        const text = JSON.stringify(readBackRows(new Uint8Array(bytes)), (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
        expect(text, file).not.toContain(MARKER);
        for (const id of personIds) expect(text, file).not.toContain(id);
      }
    }
    expect(parquetFiles).toBeGreaterThanOrEqual(2);
  });
});
