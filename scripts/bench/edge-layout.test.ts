import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYOUT_TOKEN, objectPath, serveEdgeLayout, type EdgeStandIn, type LayoutDataset } from './edge-layout';

const ORIGIN = 'http://127.0.0.1:1';
let dir: string;
let edge: EdgeStandIn;

const entry = (key: string, date: string, hour: number | null, extra: Record<string, unknown> = {}) => ({
  key,
  date,
  hour,
  bytes: 10,
  rows: 1,
  minTime: `${date}T00:00:00.000Z`,
  maxTime: `${date}T00:00:00.000Z`,
  etag: `"etag-${key.length}-${date}"`,
  createdAt: `${date}T00:00:00.000Z`,
  ...extra,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pa-edge-layout-test-'));
  const objects = join(dir, 'objects');
  const put = (key: string, text: string) => {
    mkdirSync(dirname(join(objects, key)), { recursive: true });
    writeFileSync(join(objects, key), text);
  };
  const daily = 'events/site=demo/date=2026-09-29/c1.parquet';
  const hourly = 'events/site=demo/date=2026-09-30/hour=05/f1.parquet';
  put(daily, '0123456789');
  put(hourly, 'abcdefghij');
  put('rollups/site=demo/date=2026-09-29/r1.parquet', 'rollup');
  writeFileSync(join(dir, 'secret.txt'), 'no');
  const data: LayoutDataset = {
    dir,
    objects,
    files: [entry(daily, '2026-09-29', null, { rollup: { key: 'rollups/site=demo/date=2026-09-29/r1.parquet' } }), entry(hourly, '2026-09-30', 5)] as LayoutDataset['files'],
    from: '2026-09-29',
    to: '2026-09-30',
    rows: 2,
    bytes: 20,
    dailyFiles: 1,
    hourlyFiles: 1,
  };
  edge = await serveEdgeLayout(data, ORIGIN);
});

afterAll(async () => {
  await edge?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${edge.url}/v1/sites/demo/${path}`, { headers: { authorization: `Bearer ${LAYOUT_TOKEN}`, ...headers } });

describe('edge layout stand-in', () => {
  it('answers the manifest date-pruned in the edge shape, passing unknown entry fields through', async () => {
    const res = await get('manifest?from=2026-09-29&to=2026-09-29');
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const body = (await res.json()) as { files: { key: string; hour: number | null; rollup?: unknown }[]; totals: { files: number }; columns: unknown[]; generatedAt: string };
    expect(body.files.map((f) => [f.hour, f.rollup])).toEqual([[null, { key: 'rollups/site=demo/date=2026-09-29/r1.parquet' }]]);
    expect(body.totals.files).toBe(1);
    expect(body.columns.length).toBeGreaterThan(10);
    expect(typeof body.generatedAt).toBe('string');
  });

  it('serves files with ETag, 304, Range and the edge\'s cache header, and other objects such as rollups', async () => {
    const whole = await get('files/events/site=demo/date=2026-09-30/hour=05/f1.parquet');
    expect(whole.status).toBe(200);
    expect(await whole.text()).toBe('abcdefghij');
    expect(whole.headers.get('cache-control')).toBe('private, max-age=300, must-revalidate');
    const etag = whole.headers.get('etag')!;
    expect((await get('files/events/site=demo/date=2026-09-30/hour=05/f1.parquet', { 'if-none-match': etag })).status).toBe(304);
    const part = await get('files/events/site=demo/date=2026-09-30/hour=05/f1.parquet', { range: 'bytes=2-4' });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('cde');
    expect(part.headers.get('content-range')).toBe('bytes 2-4/10');
    const tail = await get('files/events/site=demo/date=2026-09-30/hour=05/f1.parquet', { range: 'bytes=-3' });
    expect(await tail.text()).toBe('hij');
    const rollup = await get(`files/${encodeURIComponent('rollups/site=demo/date=2026-09-29/r1.parquet')}`);
    expect(await rollup.text()).toBe('rollup');
  });

  it('refuses a missing token, unknown keys and keys outside the objects', async () => {
    expect((await fetch(`${edge.url}/v1/sites/demo/manifest`)).status).toBe(401);
    expect((await get('files/events/site=demo/date=2026-09-30/nope.parquet')).status).toBe(404);
    expect((await get(`files/${encodeURIComponent('../secret.txt')}`)).status).toBe(404);
    expect(objectPath('/data/objects', '../secret.txt')).toBeNull();
    expect(objectPath('/data/objects', '/etc/passwd')).toBeNull();
    expect(objectPath('/data/objects', 'events/a.parquet')).toBe('/data/objects/events/a.parquet');
  });
});
