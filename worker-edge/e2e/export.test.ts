import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, REPO_ROOT, startLocalEdge, type LocalEdge } from '@privacy-analytics/scripts/harness';
import { readBackRows } from './read-back';

const HASH_KEY = 'e2e-export-hash-key-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';
/** Three days ending three days ago (UTC): past days, inside the edge's ingest horizon. */
const DATES = [5, 4, 3].map((daysAgo) => new Date((Math.floor(Date.now() / 86_400_000) - daysAgo) * 86_400_000).toISOString().slice(0, 10));
const VIEWER_TOKEN = 'demo-viewer-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';

interface CliRun {
  code: number | null;
  stderr: string;
}

/** Runs the real CLI (`npm run export` is `tsx scripts/export.ts`) without blocking this process's event loop. */
function runExport(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, 'node_modules/.bin/tsx'), ['scripts/export.ts', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

function parquetFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => p.endsWith('.parquet')).map((p) => p.split('\\').join('/')).sort();
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Forwards to the edge, flipping one byte in the body of the file whose key contains `corruptKey`. */
function corruptingProxy(edgeUrl: string, corruptKey: () => string): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const upstream = await fetch(`${edgeUrl}${req.url}`, { headers: { authorization: req.headers.authorization ?? '' } });
    const body = Buffer.from(await upstream.arrayBuffer());
    if (req.url?.includes(corruptKey())) body[body.length >> 1] = body[body.length >> 1]! ^ 0xff;
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, server });
  }));
}

describe('npm run export against a local edge', () => {
  let edge: LocalEdge;
  const erasedUser = 'export-erase-me';

  beforeAll(async () => {
    edge = await startLocalEdge({
      vars: {
        SITE_SECRETS: JSON.stringify({
          demo: { writeKeys: [DEMO.writeKey], viewerTokens: [VIEWER_TOKEN], readTokens: [DEMO.readToken], adminTokens: [DEMO.adminToken], hashKey: HASH_KEY },
        }),
      },
    });
    const batch = Array.from({ length: 60 }, (_, i) => ({
      type: 'track',
      event: 'Product Viewed',
      messageId: `export-e2e-${i}`,
      anonymousId: `visitor-${i % 9}`,
      ...(i % 10 === 0 ? { userId: erasedUser } : {}),
      timestamp: `${DATES[i % 3]}T${String((i * 5) % 24).padStart(2, '0')}:15:00.000Z`,
      properties: { product_id: `p-${i % 4}` },
    }));
    const sent = await fetch(`${edge.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${DEMO.writeKey}:`).toString('base64')}` },
      body: JSON.stringify({ batch }),
    });
    expect(await sent.json()).toMatchObject({ accepted: 60 });
    const flushed = await fetch(`${edge.url}/v1/sites/demo/flush`, { method: 'POST', headers: { authorization: `Bearer ${DEMO.adminToken}` } });
    expect(flushed.status).toBe(200);
  });

  afterAll(async () => {
    await edge?.stop();
  });

  const range = ['--site', 'demo', '--from', DATES[0]!, '--to', DATES[2]!];

  it('downloads the range in Hive layout, verified, with manifest.json; a second run skips; a corrupted local file is repaired', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pa-export-'));
    // pages of 2 files: the CLI follows the listing's nextCursor through every page
    const first = await runExport([...range, '--out', out, '--edge', edge.url, '--token', DEMO.readToken, '--page-size', '2']);
    expect(first.code, first.stderr).toBe(0);
    const files = parquetFiles(out);
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(files.every((f) => new RegExp(`^events/site=demo/date=(${DATES.join('|')})/(hour=\\d{2}/)?[^/]+\\.parquet$`).test(f))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string; rows: number }[]; totals: { rows: number } };
    expect(manifest.files.map((f) => f.path).sort()).toEqual(files);
    for (const file of manifest.files) expect(sha256(readFileSync(join(out, file.path)))).toBe(file.sha256);
    const rows = files.flatMap((f) => readBackRows(readFileSync(join(out, f))));
    expect(rows).toHaveLength(60);
    expect(manifest.totals.rows).toBe(60);

    const second = await runExport([...range, '--out', out, '--edge', edge.url, '--token', DEMO.readToken]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`0 downloaded, ${files.length} already present`);

    const victim = join(out, files[0]!);
    const bytes = readFileSync(victim);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    writeFileSync(victim, bytes);
    const third = await runExport([...range, '--out', out, '--edge', edge.url, '--token', DEMO.readToken]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toContain(`${files[0]}: local copy does not match the listed checksum`);
    expect(third.stderr).toContain('1 repaired');
    expect(sha256(readFileSync(victim))).toBe(manifest.files.find((f) => f.path === files[0])!.sha256);
  });

  it('detects a file corrupted in transit, keeps no copy of it and exits 1', async () => {
    let target = '';
    const listing = await fetch(`${edge.url}/v1/sites/demo/export?from=${DATES[0]}&to=${DATES[2]}`, { headers: { authorization: `Bearer ${DEMO.readToken}` } });
    target = ((await listing.json()) as { files: { key: string }[] }).files[1]!.key;
    const proxy = await corruptingProxy(edge.url, () => target);
    try {
      const out = mkdtempSync(join(tmpdir(), 'pa-export-'));
      const run = await runExport([...range, '--out', out, '--edge', proxy.url, '--token', DEMO.readToken]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`${target.replace(/[.]/g, '\\.')}: checksum mismatch, expected sha256 [0-9a-f]{64}, received [0-9a-f]{64}`));
      expect(existsSync(join(out, target))).toBe(false);
      expect(existsSync(join(out, `${target}.partial`))).toBe(false);
      expect(existsSync(join(out, 'manifest.json'))).toBe(false);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    } finally {
      proxy.server.close();
    }
  });

  it('refuses bad arguments (exit 2) and a viewer token (exit 1), with precise messages and no stack trace', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pa-export-'));
    const bad = await runExport(['--site', 'demo', '--from', 'x', '--to', '2026-11-03', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('export: --from must be YYYY-MM-DD, got "x"');
    const viewer = await runExport([...range, '--out', out, '--edge', edge.url, '--token', VIEWER_TOKEN]);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toContain('the edge answered 403');
    expect(viewer.stderr).toContain('needs the analyst role');
    const down = await runExport([...range, '--out', out, '--edge', 'http://127.0.0.1:9', '--token', DEMO.readToken]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('could not reach the edge at http://127.0.0.1:9');
    for (const run of [bad, viewer, down]) expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('after an erasure, a re-export replaces the rewritten files and removes the stale ones', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pa-export-'));
    expect((await runExport([...range, '--out', out, '--edge', edge.url, '--token', DEMO.readToken])).code).toBe(0);
    const erased = createHmac('sha256', HASH_KEY).update(erasedUser).digest('hex').slice(0, 32);
    const before = parquetFiles(out).flatMap((f) => readBackRows(readFileSync(join(out, f))));
    expect(before.filter((r) => r.user_id === erased)).toHaveLength(6);

    const admin = { authorization: `Bearer ${DEMO.adminToken}`, 'content-type': 'application/json' };
    const requested = (await (await fetch(`${edge.url}/v1/sites/demo/erasure`, { method: 'POST', headers: admin, body: JSON.stringify({ userId: erasedUser }) })).json()) as { statusUrl: string };
    let status: { status: string; rowsRemoved: number } = { status: 'pending', rowsRemoved: 0 };
    for (const deadline = Date.now() + 60_000; status.status !== 'done' && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await (await fetch(`${edge.url}${requested.statusUrl}`, { headers: admin })).json()) as typeof status;
      expect(status.status).not.toBe('failed');
    }
    expect(status).toMatchObject({ status: 'done' });
    expect(status.rowsRemoved).toBeGreaterThanOrEqual(6);

    const again = await runExport([...range, '--out', out, '--edge', edge.url, '--token', DEMO.readToken]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/[1-9]\d* stale removed/);
    const after = parquetFiles(out).flatMap((f) => readBackRows(readFileSync(join(out, f))));
    const linkedDevices = new Set(before.filter((r) => r.user_id === erased).map((r) => r.anonymous_id));
    expect(after.filter((r) => r.user_id === erased || linkedDevices.has(r.anonymous_id))).toEqual([]);
    expect(after.length).toBe(before.length - status.rowsRemoved);
  });
});
