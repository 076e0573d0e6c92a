import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { importAnswerSchema, manifestResponseSchema, type ImportAnswer } from '@privacy-analytics/core/edge-api';
import { backupObjectKey, snapshotKey, type Snapshot } from '../../src/backup/backup-layout';
import { backupOf, catalogOf } from '../../src/stubs';
import { EDGE } from '../helpers';
import { adminCall, at, manifestOf, siteTokens } from './lifecycle-helpers';

// Imports in backups: the ad-spend tables (objects no manifest entry names) and the import records of the catalog.
const SITE = 'backup-imports';
const backup = () => backupOf(env, SITE);
const day = (offset: number) => at(offset, 0).slice(0, 10);

async function upload(query: string, body: string) {
  const res = await SELF.fetch(`${EDGE}/v1/sites/${SITE}/imports?${query}`, { method: 'POST', headers: { authorization: `Bearer ${siteTokens(SITE).read}`, 'content-type': 'text/csv' }, body });
  return { status: res.status, body: (await res.json()) as ImportAnswer & { error?: string } };
}

async function tablesOf() {
  const res = await SELF.fetch(`${EDGE}/v1/sites/${SITE}/manifest`, { headers: { authorization: `Bearer ${siteTokens(SITE).read}` } });
  return manifestResponseSchema.parse(await res.json()).tables ?? [];
}

async function importsListed() {
  const res = await adminCall(SITE, 'GET', '/imports');
  expect(res.status).toBe(200);
  return (res.body.imports as { id: string; status: string }[]).map(({ id, status }) => `${id} ${status}`).sort();
}

const ORDERS = ['order_id,member_id,order_date,sku,qty,unit_price', `B-1,M-1,${day(-6)} 10:00,SKU-1,1,10`, `B-2,M-2,${day(-5)} 11:00,SKU-2,2,5`].join('\n');
const adSpend = (spend: string) =>
  ['date,platform,campaign,impressions,clicks,spend,currency', `${day(-4)},google,summer,1000,10,${spend},CNY`, `${day(-3)},wechat,summer,500,5,${spend},CNY`].join('\n');

describe('backups of imports', { timeout: 120_000 }, () => {
  it('copies ad-spend tables and import records; a restore into a wiped site brings back tables, the imports list and duplicate detection', async () => {
    const orders = await upload('kind=orders&importId=ord-1', ORDERS);
    expect(orders.status, JSON.stringify(orders.body)).toBe(201);
    expect(importAnswerSchema.parse(orders.body).import).toMatchObject({ stored: 2, files: 2 });
    const ads = await upload('kind=ad_spend&importId=ads-1', adSpend('12.5'));
    expect(ads.status, JSON.stringify(ads.body)).toBe(201);
    // A withdrawn import whose table object stayed behind (a delete that failed): the backup leaves it out.
    expect((await upload('kind=ad_spend&importId=ads-2', adSpend('7'))).status).toBe(201);
    const withdrawnKeys = (await tablesOf()).filter((t) => t.importId === 'ads-2').map((t) => t.key);
    const stray = await env.EVENTS.get(withdrawnKeys[0]!);
    const strayBytes = await stray!.arrayBuffer();
    expect((await adminCall(SITE, 'DELETE', '/imports/ads-2')).status).toBe(200);
    await env.EVENTS.put(withdrawnKeys[0]!, strayBytes);

    const tables = await tablesOf();
    expect(tables.map((t) => `${t.importId} ${t.date}`)).toEqual([`ads-1 ${day(-4)}`, `ads-1 ${day(-3)}`]);
    const tableBytes = await Promise.all(tables.map(async (t) => new Uint8Array(await (await env.EVENTS.get(t.key))!.arrayBuffer())));
    const files = await manifestOf(SITE);
    expect(files.filter((f) => f.key.includes('/imp.orders.ord-1'))).toHaveLength(2);
    const listedBefore = await importsListed();
    expect(listedBefore).toEqual(['ads-1 active', 'ads-2 withdrawn', 'ord-1 active']);

    await backup().requestRun(SITE, 'test', 'full');
    await backup().drain();
    const run = (await backup().status()).lastRun!;
    expect(run).toMatchObject({ status: 'done', stats: { filesListed: files.length } });
    const snapshot = JSON.parse(await (await env.BACKUPS.get(snapshotKey(SITE, run.snapshotId!)))!.text()) as Snapshot;
    const objectKeys = snapshot.objects.map((o) => o.key);
    for (const t of tables) {
      expect(objectKeys).toContain(t.key);
      expect(await env.BACKUPS.head(backupObjectKey(SITE, t.key))).not.toBeNull();
    }
    expect(objectKeys.some((k) => k.includes('ads-2'))).toBe(false);
    expect(snapshot.catalog.imports.tables.map((t) => t.key)).toEqual(tables.map((t) => t.key).sort());
    expect(snapshot.catalog.imports.orders.map((o) => `${o.order_id} ${o.import_id}`)).toEqual(['B-1 ord-1', 'B-2 ord-1']);
    expect(snapshot.catalog.imports.imports.map((r) => r.id).sort()).toEqual(['ads-1', 'ads-2', 'ord-1']);

    // Wipe the site: every object of it and its manifest and import records.
    for (const prefix of [`events/site=${SITE}/`, `rollups/site=${SITE}/`, `imports/ad_spend/site=${SITE}/`]) {
      const listed = await env.EVENTS.list({ prefix });
      if (listed.objects.length > 0) await env.EVENTS.delete(listed.objects.map((o) => o.key));
    }
    await catalogOf(env, SITE).restoreFiles([], []);
    await runInDurableObject(catalogOf(env, SITE), (_instance: unknown, state: DurableObjectState) => {
      state.storage.sql.exec(`DELETE FROM imports; DELETE FROM import_rejections; DELETE FROM imported_orders; DELETE FROM import_tables;`);
    });
    expect(await tablesOf()).toEqual([]);
    expect(await importsListed()).toEqual([]);

    const started = await adminCall(SITE, 'POST', '/restore', { snapshot: run.snapshotId });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await backup().drain();
    expect((await adminCall(SITE, 'GET', '/restore')).body.restore).toMatchObject({ phase: 'done', error: null });

    const restoredTables = await tablesOf();
    expect(restoredTables.map(({ key, date, rows, bytes, sha256, importId }) => ({ key, date, rows, bytes, sha256, importId }))).toEqual(
      tables.map(({ key, date, rows, bytes, sha256, importId }) => ({ key, date, rows, bytes, sha256, importId })),
    );
    for (const [i, t] of restoredTables.entries()) {
      const object = await env.EVENTS.get(t.key);
      expect(object?.httpEtag).toBe(t.etag);
      expect(new Uint8Array(await object!.arrayBuffer())).toEqual(tableBytes[i]);
    }
    expect(await env.EVENTS.head(withdrawnKeys[0]!)).toBeNull();
    expect(await importsListed()).toEqual(listedBefore);
    expect((await manifestOf(SITE)).map((f) => f.key).sort()).toEqual(files.map((f) => f.key).sort());

    // The same upload is recognised; the same orders under another id are refused as duplicates.
    const again = await upload('kind=orders&importId=ord-1', ORDERS);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ repeated: true });
    const duplicate = await upload('kind=orders&importId=ord-2&maxRejectedShare=1', ORDERS);
    expect(duplicate.status, JSON.stringify(duplicate.body)).toBe(422);
    expect(duplicate.body.error).toBe('nothing_to_import');
    expect(duplicate.body.rejected.map((r) => r.reason)).toEqual(['duplicate: order B-1 came in import ord-1', 'duplicate: order B-2 came in import ord-1']);
  });
});
