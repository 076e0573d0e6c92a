import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import * as parquetWasm from 'parquet-wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
import { manifestResponseSchema } from '@privacy-analytics/core/edge-api';
import type { EventRow } from '@privacy-analytics/core/schema';
import { DEMO, startLocalEdge, type LocalEdge } from '@privacy-analytics/scripts/harness';
import { sendEvents } from '@privacy-analytics/scripts/collector';
import { demoImportSamples } from '@privacy-analytics/scripts/demo/sample-imports';
import { main as importCli } from '@privacy-analytics/scripts/import';
import { flushAndReadBack } from './read-back';

let edge: LocalEdge;
const dir = mkdtempSync(join(tmpdir(), 'pa-e2e-import-'));
const demo = { seed: 7, events: 4_000, start: new Date(Date.UTC(2026, 0, 1)), days: 10 };

beforeAll(async () => {
  demo.start = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - demo.days * 86_400_000);
  edge = await startLocalEdge();
});
afterAll(async () => {
  await edge?.stop();
});

async function run(args: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await importCli([...args, '--edge', edge.url, '--site', DEMO.site, '--token', DEMO.readToken], {}, (line) => out.push(line));
  return { code, out };
}

const idsOf = (row: EventRow) => String((JSON.parse(row.properties) as Record<string, unknown>).$ids ?? '').split(' ').filter(Boolean);

describe('npm run import against wrangler dev', () => {
  it('imports the demo samples of each kind; offline orders meet online users on the hashed phone; a second run imports nothing', async () => {
    const sent = await sendEvents(generateDemoEvents(demo), { url: edge.url, writeKey: DEMO.writeKey, batchSize: 200, concurrency: 2 });
    expect(sent.accepted).toBeGreaterThan(3_000);
    const samples = demoImportSamples(demo, 400);
    for (const kind of ['customers', 'orders', 'ad_spend'] as const) {
      const file = join(dir, `${kind}.csv`);
      writeFileSync(file, samples[kind]);
      const first = await run([kind, '--file', file]);
      expect(first.code, first.out.join('\n')).toBe(0);
      expect(first.out[0]).toMatch(new RegExp(`^imported ${kind} sha-[0-9a-f]{32}: \\d+ of \\d+ rows accepted`));
      const again = await run([kind, '--file', file]);
      expect(again.code).toBe(0);
      expect(again.out[0]).toMatch(/^already imported/);
    }
    const rows = await flushAndReadBack(edge.url, DEMO.site, { admin: DEMO.adminToken, read: DEMO.readToken });
    const offline = rows.filter((r) => r.event === 'Order Completed' && r.library === 'import');
    expect(offline.length).toBeGreaterThan(300);
    const onlinePhones = new Set(rows.filter((r) => r.library !== 'import').flatMap(idsOf).filter((t) => t.startsWith('phone:')));
    const linkedByPhone = offline.filter((r) => idsOf(r).some((t) => onlinePhones.has(t)));
    expect(linkedByPhone.length, 'store orders whose phone number an online user gave').toBeGreaterThan(50);
    const manifest = manifestResponseSchema.parse(await (await fetch(`${edge.url}/v1/sites/${DEMO.site}/manifest`, { headers: { authorization: `Bearer ${DEMO.readToken}` } })).json());
    expect(new Set(manifest.files.map((f) => f.kind))).toEqual(new Set(['events', 'import:orders', 'import:customers']));
    expect(manifest.tables!.length).toBeGreaterThan(0);
  });

  it('prints the rejected rows with their lines and exits 1 when the edge refuses the file', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'order_id,member_id,order_date\nX1,m1,yesterday\nX2,m1,2026-13-01\n');
    const refused = await run(['orders', '--file', file]);
    expect(refused.code).toBe(1);
    const mixed = join(dir, 'mixed.csv');
    writeFileSync(mixed, `order_id,member_id,order_date\nY1,m1,${new Date().toISOString().slice(0, 10)}\nY2,m1,not-a-date\n`);
    const res = await run(['orders', '--file', mixed, '--max-rejected-share', '0.5']);
    expect(res.code, res.out.join('\n')).toBe(0);
    expect(res.out.join('\n')).toMatch(/line 3 {2}time \(order_date\): "not-a-date" is not a date/);
    expect(res.out.at(-1)).toMatch(/\/imports\/sha-[0-9a-f]{32}\/report$/);
  });

  it('imports a Parquet file (a till export as it is): int64 quantities and timestamp columns read as the edge reads them', async () => {
    const time = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000 + 9 * 3_600_000;
    const table = tableFromArrays({
      order_id: ['PQ-1', 'PQ-1', 'PQ-2'],
      member_id: ['m-pq-1', 'm-pq-1', 'm-pq-2'],
      order_time: [new Date(time), new Date(time), new Date(time + 60_000)],
      sku: ['SKU-1', 'SKU-2', 'SKU-3'],
      quantity: new BigInt64Array([1n, 3n, 1n]),
      unit_price: new Float64Array([10, 2, 7.5]),
    });
    const file = join(dir, 'till.parquet');
    writeFileSync(file, parquetWasm.writeParquet(parquetWasm.Table.fromIPCStream(tableToIPC(table, 'stream'))));
    const res = await run(['orders', '--file', file, '--mapping', 'time=order_time']);
    expect(res.code, res.out.join('\n')).toBe(0);
    expect(res.out[0]).toMatch(/^imported orders sha-[0-9a-f]{32}: 3 of 3 rows accepted/);
    const rows = await flushAndReadBack(edge.url, DEMO.site, { admin: DEMO.adminToken, read: DEMO.readToken });
    const orders = rows.filter((r) => r.order_id === 'PQ-1' || r.order_id === 'PQ-2').map((r) => [r.order_id, r.timestamp, r.revenue]);
    expect(orders.sort()).toEqual([
      ['PQ-1', time, 16],
      ['PQ-2', time + 60_000, 7.5],
    ]);
  });

  it('refuses bad arguments with exit code 2', async () => {
    expect((await run(['invoices', '--file', 'x.csv'])).code).toBe(2);
    expect((await run(['orders'])).code).toBe(2);
  });
});
