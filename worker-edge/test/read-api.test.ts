import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { EDGE, flush, manifest, post, trackMessage } from './helpers';

const get = (path: string, headers: Record<string, string> = {}) => SELF.fetch(`${EDGE}${path}`, { headers });

describe('read API authorisation', () => {
  it('401 without a token, 401 for an unknown token', async () => {
    expect((await get('/v1/sites/demo/manifest')).status).toBe(401);
    expect((await get('/v1/sites/demo/manifest', { authorization: 'Bearer not-a-token-at-all' })).status).toBe(401);
  });

  it('403 for a write key used as a read token, and for another site', async () => {
    expect((await get('/v1/sites/demo/manifest', { authorization: 'Bearer demo-write-key' })).status).toBe(403);
    expect((await get('/v1/sites/demo/manifest', { authorization: 'Bearer anon-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' })).status).toBe(403);
    expect((await get('/v1/sites/anon/manifest', { authorization: 'Bearer anon-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' })).status).toBe(200);
  });

  it('flush needs an admin token: a read token gets 403', async () => {
    const res = await SELF.fetch(`${EDGE}/v1/sites/demo/flush`, { method: 'POST', headers: { authorization: 'Bearer demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' } });
    expect(res.status).toBe(403);
  });

  it('400 for a bad date parameter or an inverted range', async () => {
    expect((await get('/v1/sites/demo/manifest?from=2026-13', { authorization: 'Bearer demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' })).status).toBe(400);
    expect((await get('/v1/sites/demo/manifest?from=2026-11-02&to=2026-11-01', { authorization: 'Bearer demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' })).status).toBe(400);
  });
});

describe('files', () => {
  it('streams a file with ETag, answers Range with 206 and If-None-Match with 304', async () => {
    await post('/v1/batch', { batch: Array.from({ length: 5 }, () => trackMessage()) });
    await flush();
    const { files } = await manifest();
    const file = files[0]!;
    const auth = { authorization: 'Bearer demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' };
    const full = await get(`/v1/sites/demo/files/${file.key}`, auth);
    expect(full.status).toBe(200);
    const bytes = new Uint8Array(await full.arrayBuffer());
    expect(bytes.byteLength).toBe(file.bytes);
    expect(full.headers.get('etag')).toBe(file.etag);

    const tail = await get(`/v1/sites/demo/files/${file.key}`, { ...auth, range: 'bytes=-8' });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${file.bytes - 8}-${file.bytes - 1}/${file.bytes}`);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.slice(-8));

    const head = await get(`/v1/sites/demo/files/${file.key}`, { ...auth, range: 'bytes=0-3' });
    expect(head.status).toBe(206);
    expect(new TextDecoder().decode(await head.arrayBuffer())).toBe('PAR1');

    const cached = await get(`/v1/sites/demo/files/${file.key}`, { ...auth, 'if-none-match': file.etag });
    expect(cached.status).toBe(304);
  });

  it('serves files with a short private cache lifetime and ETag revalidation, not "immutable": an erased file must leave caches', async () => {
    await post('/v1/batch', { batch: [trackMessage()] });
    await flush();
    const file = (await manifest()).files[0]!;
    const auth = { authorization: 'Bearer demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' };
    for (const res of [await get(`/v1/sites/demo/files/${file.key}`, auth), await SELF.fetch(`${EDGE}/v1/sites/demo/files/${file.key}`, { method: 'HEAD', headers: auth })]) {
      expect(res.status).toBe(200);
      const cacheControl = res.headers.get('cache-control') ?? '';
      expect(cacheControl).not.toContain('immutable');
      expect(cacheControl).toContain('private');
      expect(cacheControl).toContain('must-revalidate');
      expect(Number(/max-age=(\d+)/.exec(cacheControl)?.[1])).toBeLessThanOrEqual(3600);
      expect(res.headers.get('etag')).toBe(file.etag);
    }
    const revalidated = await get(`/v1/sites/demo/files/${file.key}`, { ...auth, 'if-none-match': file.etag });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('etag')).toBe(file.etag);
  });

  it('refuses keys outside the site and unknown files', async () => {
    const auth = { authorization: 'Bearer demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' };
    expect((await get('/v1/sites/demo/files/events/site=anon/date=2026-01-01/hour=00/x.parquet', auth)).status).toBe(403);
    expect((await get('/v1/sites/demo/files/events%2Fsite=demo%2F..%2F..%2Fsecrets', auth)).status).toBe(400);
    expect((await get('/v1/sites/demo/files/events/site=demo/date=2026-01-01/hour=00/missing.parquet', auth)).status).toBe(404);
  });

  it('400, not 500, for a malformed percent escape in the file key', async () => {
    const auth = { authorization: 'Bearer demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' };
    for (const key of ['events%2Fsite=demo%2Fdate=2026-01-01%2F%E0%A4%A.parquet', 'events/site=demo/date=2026-01-01/%zz.parquet', '%', 'rollups/%ED%A0%80']) {
      const res = await get(`/v1/sites/demo/files/${key}`, auth);
      expect(res.status, key).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_key', message: expect.stringMatching(/percent-encoding/) });
    }
  });

  it('serves only keys the manifest lists: an unlisted copy left in R2 answers 404', async () => {
    await post('/v1/batch', { batch: Array.from({ length: 3 }, () => trackMessage()) });
    await flush();
    const listed = (await manifest()).files[0]!;
    const auth = { authorization: 'Bearer demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' };
    const bytes = new Uint8Array(await (await env.EVENTS.get(listed.key))!.arrayBuffer());
    // What an interrupted erasure or flush can leave behind: a Parquet file (and its rollup) the manifest does not list.
    const stray = listed.key.replace(/\.parquet$/, '-old-copy.parquet');
    await env.EVENTS.put(stray, bytes);
    await env.EVENTS.put(`rollups/${stray.slice('events/'.length)}`, bytes);
    for (const key of [stray, `rollups/${stray.slice('events/'.length)}`, encodeURIComponent(stray)]) {
      expect((await get(`/v1/sites/demo/files/${key}`, auth)).status, key).toBe(404);
      expect((await SELF.fetch(`${EDGE}/v1/sites/demo/files/${key}`, { method: 'HEAD', headers: auth })).status, `HEAD ${key}`).toBe(404);
    }
    expect((await get(`/v1/sites/demo/files/${listed.key}`, auth)).status).toBe(200);
    expect((await get(`/v1/sites/demo/files/${listed.rollup!.key}`, auth)).status).toBe(200);
  });
});

describe('CORS for the dashboard', () => {
  it('allows configured dashboard origins only', async () => {
    const allowed = await get('/v1/sites/demo/manifest', { authorization: 'Bearer demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G', origin: 'http://localhost:5173' });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const denied = await get('/v1/sites/demo/manifest', { authorization: 'Bearer demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G', origin: 'https://evil.example' });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await SELF.fetch(`${EDGE}/v1/sites/demo/files/x`, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('range');
  });
});
