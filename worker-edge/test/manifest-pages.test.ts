import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { catalogOf } from '../src/stubs';
import { EDGE, flush, post, trackMessage } from './helpers';

/** Its own site: the test swaps files in the catalog, which must not race the other files' reads of "demo". */
const SITE = 'pages';
const READ_TOKEN = `${SITE}-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`;
const ADMIN_TOKEN = `${SITE}-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;

interface Page {
  files: ManifestEntry[];
  totals: { files: number; rows: number; bytes: number };
  nextCursor: string | null;
}

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await SELF.fetch(`${EDGE}/v1/sites/${SITE}/${path}`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function page(resource: string, query: string): Promise<Page> {
  const res = await get(`${resource}?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as Page;
}

/** Every page of a listing from `cursor` on (none: from the first page), following nextCursor. */
async function allPages(resource: string, query: string, cursor: string | null = null): Promise<Page[]> {
  const pages: Page[] = [];
  do {
    pages.push(await page(resource, cursor === null ? query : `${query}&cursor=${encodeURIComponent(cursor)}`));
    cursor = pages.at(-1)!.nextCursor;
  } while (cursor);
  return pages;
}

async function send(times: number[]): Promise<void> {
  const res = await post('/v1/batch', { batch: times.map((t) => trackMessage({ timestamp: new Date(t).toISOString() })) }, { writeKey: `${SITE}-write-key` });
  expect(await res.json()).toMatchObject({ accepted: times.length, rejected: [] });
}

beforeAll(async () => {
  // Day-level files for 5 past days (one per shard that got rows) and hourly ones for the last 6 hours of yesterday.
  const past = [5, 4, 3, 2].flatMap((days) => Array.from({ length: 6 }, (_, i) => today - days * DAY_MS + i * HOUR_MS));
  const yesterday = Array.from({ length: 12 }, (_, i) => today - DAY_MS + (12 + (i % 6)) * HOUR_MS);
  await send([...past, ...yesterday]);
  await flush(SITE, ADMIN_TOKEN);
});

describe('manifest pages', () => {
  it('without limit a small site gets every file on one page, with nextCursor null', async () => {
    const one = await page('manifest', '');
    expect(one.nextCursor).toBeNull();
    expect(one.files.length).toBeGreaterThanOrEqual(10);
    expect(one.totals).toEqual({ files: one.files.length, rows: one.files.reduce((n, f) => n + f.rows, 0), bytes: one.files.reduce((n, f) => n + f.bytes, 0) });
  });

  it('pages of `limit` files, followed by nextCursor, list every file once, in the unpaged order, with the whole range\'s totals', async () => {
    const from = new Date(today - 4 * DAY_MS).toISOString().slice(0, 10);
    const to = new Date(today - DAY_MS).toISOString().slice(0, 10);
    const whole = await page('manifest', `from=${from}&to=${to}`);
    const pages = await allPages('manifest', `from=${from}&to=${to}&limit=3`);
    expect(pages.length).toBe(Math.ceil(whole.files.length / 3));
    expect(pages.every((p) => p.files.length <= 3 && p.files.length > 0)).toBe(true);
    expect(pages.flatMap((p) => p.files)).toEqual(whole.files);
    for (const p of pages) expect(p.totals).toEqual(whole.totals);
    expect(pages.at(-1)!.nextCursor).toBeNull();
  });

  it('the export listing pages the same way', async () => {
    const whole = await page('export', '');
    const pages = await allPages('export', 'limit=4');
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flatMap((p) => p.files)).toEqual(whole.files);
    expect(pages.every((p) => JSON.stringify(p.totals) === JSON.stringify(whole.totals))).toBe(true);
  });

  it('refuses a bad limit or cursor with 400', async () => {
    for (const limit of ['0', '-1', 'abc', '20001', '1.5']) {
      const res = await get(`manifest?limit=${limit}`);
      expect(res.status, limit).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_parameter', message: expect.stringContaining('limit') });
    }
    for (const cursor of ['x', 'not a cursor', 'eyJ2IjoxfQ', 'A'.repeat(3000)]) {
      const res = await get(`manifest?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_cursor' });
    }
    const first = await page('manifest', 'limit=2');
    const otherRange = await get(`manifest?from=2020-01-01&limit=2&cursor=${first.nextCursor}`);
    expect(otherRange.status).toBe(400);
    expect(otherRange.body).toMatchObject({ error: 'invalid_cursor', message: expect.stringContaining('same from and to') });
  });

  it('new flush files behind the listing do not break it', async () => {
    const first = await page('manifest', 'limit=3');
    const passed = first.files[0]!.date;
    expect(first.files.at(-1)!.date > passed, 'the first page reaches past its first date').toBe(true);
    await send([Date.parse(`${passed}T07:30:00Z`)]);
    await flush(SITE, ADMIN_TOKEN);
    const rest = (await allPages('manifest', 'limit=3', first.nextCursor)).flatMap((p) => p.files);
    expect(rest.every((f) => f.date >= first.files.at(-1)!.date)).toBe(true);
    const keys = [...first.files, ...rest].map((f) => f.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('a file on an earlier page replaced meanwhile (compaction, erasure) answers 409 manifest_changed; starting again works', async () => {
    const first = await page('manifest', 'limit=2');
    const replaced = first.files[0]!;
    // what a compaction's switch does: the file leaves the manifest and its replacement is listed, in one transaction
    const replacement = { ...replaced, key: replaced.key.replace(/[^/]+\.parquet$/, 'c20990101000000-test0001.parquet'), hour: replaced.hour };
    const swap = await catalogOf(env, SITE).replaceFiles([replaced.key], [replacement]);
    expect(swap.replaced).toBe(true);
    const next = await get(`manifest?limit=2&cursor=${first.nextCursor}`);
    expect(next.status).toBe(409);
    expect(next.body).toMatchObject({ error: 'manifest_changed', message: expect.stringContaining(replaced.key) });
    const again = (await allPages('manifest', 'limit=2')).flatMap((p) => p.files.map((f) => f.key));
    expect(again).toContain(replacement.key);
    expect(again).not.toContain(replaced.key);
  });
});
