/**
 * The scheduled at-risk audience end to end against a real edge under wrangler dev: the edge collects demo events
 * and writes Parquet; `npm run score -- --audience … --deliver` scores its files with the shipped churn model, keeps
 * the persons at or above the threshold in the model's card, and queues them with their scores and drivers; the edge
 * keeps the holdout back and posts the rest, signed, to a receiver on 127.0.0.1. Bad arguments give exit code 2.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHeldOut } from '@privacy-analytics/core/edge-api';
import { readModel } from '@privacy-analytics/models/score';
import { DEMO, downloadEdgeFiles, REPO_ROOT, startFilledEdge, type FilledEdge } from '../harness';
import { runModelCommand } from './commands-models';

const SECRET = 'score-webhook-secret-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';
const MODEL = join(REPO_ROOT, 'models', 'churn.onnx');

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
interface Driver {
  feature: string;
  value: number;
  contribution: number;
}
interface Scored {
  person: string;
  score: number;
  drivers: Driver[];
}

let edge: FilledEdge;
let receiver: Server;
let hookUrl: string;
let input: string;
let dir: string;
const received: Received[] = [];

async function score(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runModelCommand(argv, { out: (t) => (out += t), err: (t) => (err += t) }, {});
  return { code, out, err };
}

function verify(post: Received): boolean {
  const timestamp = String(post.headers['x-webhook-timestamp'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(post.headers['x-webhook-signature'] ?? ''));
  if (!match || match[1] !== timestamp) return false;
  const expected = createHmac('sha256', SECRET).update(`${timestamp}.${post.body}`).digest('hex');
  return timingSafeEqual(Buffer.from(expected), Buffer.from(match[2]!));
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  hookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks/retention`;
  edge = await startFilledEdge({
    appOrigins: [],
    events: 6000,
    days: 21,
    site: { audienceWebhookUrls: [hookUrl] },
    secrets: { webhookSecret: SECRET },
    vars: { ALLOW_LOOPBACK_WEBHOOKS: 'true' },
  });
  const files = await downloadEdgeFiles(edge.url);
  input = dirname(files.paths[0]!);
  dir = mkdtempSync(join(tmpdir(), 'pa-at-risk-'));
}, 600_000);

afterAll(async () => {
  await edge?.kill().catch(() => undefined);
  await new Promise((resolve) => receiver?.close(resolve));
  if (input) rmSync(input, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('npm run score -- --audience: the churn at-risk list as an audience', () => {
  it("queues the persons at or above the model's threshold with score and drivers; the edge holds out 20 % and posts the rest, signed", async () => {
    const { metadata } = readModel(new Uint8Array(readFileSync(MODEL)), MODEL) as Extract<ReturnType<typeof readModel>, { kind: 'person-classifier' }>;
    expect(metadata.leadDays).toBe(7);
    const threshold = metadata.threshold!;
    expect(threshold).toBeGreaterThan(0);

    // Every person with drivers, as plain `score --explain 3` gives them: the reference.
    const all = await score('score', '--model', MODEL, '--input', input, '--explain', '3', '--json');
    expect(all.code, all.err).toBe(0);
    const everyone = (JSON.parse(all.out) as { persons: Scored[] }).persons;
    const expected = everyone.filter((p) => p.score >= threshold);
    expect(expected.length).toBeGreaterThan(10);
    expect(expected.length).toBeLessThan(everyone.length);

    const file = join(dir, 'churn-risk.json');
    const run = await score('score', '--model', MODEL, '--input', input, '--audience', 'Churn risk, weekly', '--holdout', '0.2', '--audience-out', file, '--deliver', '--site', DEMO.site, '--edge', edge.url, '--token', DEMO.readToken, '--json');
    expect(run.code, run.err).toBe(0);
    const result = JSON.parse(run.out) as { threshold: number; thresholdSource: string; leadDays: number; horizonDays: number; persons: Scored[]; deliveries: { deliveryId: string; members: number; statusUrl: string }[] };
    expect(result).toMatchObject({ threshold, thresholdSource: 'model', leadDays: 7, horizonDays: 21 });
    expect(result.persons).toEqual(expected);
    const written = JSON.parse(readFileSync(file, 'utf8')) as { requests: { audienceId: string; payload: string; holdout: number; source: string; members: { id: string; score: number; drivers: Driver[] }[] }[] };
    expect(written.requests).toHaveLength(1);
    expect(written.requests[0]).toMatchObject({ audienceId: 'churn-risk-weekly', payload: 'risk', holdout: 0.2, source: 'model:churn' });
    expect(written.requests[0]!.members).toEqual(expected.map((p) => ({ id: p.person, score: p.score, drivers: p.drivers })));

    const [delivery] = result.deliveries;
    expect(delivery!.members).toBe(expected.length);
    const status = async () => (await (await fetch(delivery!.statusUrl, { headers: { authorization: `Bearer ${DEMO.readToken}` } })).json()) as { status: string; payload: string; holdout: { heldOut: number } };
    await expect.poll(async () => (await status()).status, { timeout: 120_000, interval: 500 }).toBe('delivered');
    const done = await status();
    expect(done.payload).toBe('risk');

    const kept = expected.filter((p) => !isHeldOut('churn-risk-weekly', p.person, 0.2));
    expect(done.holdout.heldOut).toBe(expected.length - kept.length);
    const posts = received.filter((p) => String(p.headers['x-webhook-id'] ?? '').startsWith(delivery!.deliveryId));
    expect(posts.length).toBeGreaterThan(0);
    for (const post of posts) expect(verify(post)).toBe(true);
    const bodies = posts.map((p) => JSON.parse(p.body) as { audience: Record<string, unknown>; members: { id: string; score: number; drivers: Driver[] }[] });
    expect(bodies[0]!.audience).toMatchObject({ id: 'churn-risk-weekly', source: 'model:churn', payload: 'risk', holdout: 0.2, size: expected.length });
    const sent = bodies.flatMap((b) => b.members).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(sent).toEqual(kept.map((p) => ({ id: p.person, score: p.score, drivers: p.drivers })).sort((a, b) => (a.id < b.id ? -1 : 1)));
    for (const member of sent) expect(member.drivers).toHaveLength(3);
  }, 300_000);

  it('bad audience arguments and a refusing edge: exit code 2 and the reason', async () => {
    let r = await score('score', '--model', MODEL, '--input', input, '--audience', 'x', '--deliver');
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('--deliver needs --site SITE')]);
    r = await score('score', '--model', MODEL, '--input', input, '--audience', 'x', '--holdout', '0.9', '--audience-out', join(dir, 'x.json'));
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('--holdout must be a share from 0 to 0.5, got 0.9')]);
    r = await score('score', '--model', MODEL, '--input', input, '--holdout', '0.1');
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('need --audience NAME')]);
    r = await score('score', '--model', MODEL, '--input', input, '--audience', 'x');
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('--audience needs --audience-out FILE, --deliver, or both')]);
    r = await score('score', '--model', MODEL, '--input', input, '--audience', 'x', '--deliver', '--site', DEMO.site, '--token', DEMO.readToken);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining('--deliver needs the edge origin (--edge or EDGE_URL)')]);
    r = await score('score', '--model', MODEL, '--input', input, '--audience', 'x', '--deliver', '--site', DEMO.site, '--edge', edge.url, '--token', 'not-a-valid-token-of-this-site');
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/the edge refused the audience "x": HTTP 401/)]);
  }, 300_000);
});
