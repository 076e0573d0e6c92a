import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { SITE_ROUTES } from '../../src/site-routes';
import { EDGE } from '../helpers';
import { adminCall, flushSite, ingest, manifestOf } from '../lifecycle/lifecycle-helpers';

const SITE = 'roles';
const ROLES = ['viewer', 'analyst', 'admin'] as const;
type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2 };
const TOKENS: Record<Role, string> = {
  viewer: `${SITE}-viewer-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`,
  analyst: `${SITE}-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`,
  admin: `${SITE}-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`,
};

async function call(role: Role, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKENS[role]}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await SELF.fetch(`${EDGE}/v1/sites/${SITE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const bytes = new Uint8Array(await res.arrayBuffer());
  let json: Record<string, unknown> = {};
  if (res.headers.get('content-type')?.includes('json') && bytes.byteLength > 0) json = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  return { status: res.status, body: json, bytes };
}

let file: ManifestEntry;

beforeAll(async () => {
  await ingest(SITE, [
    { type: 'page', anonymousId: 'v1', messageId: 'roles-1', timestamp: new Date().toISOString(), properties: { path: '/' } },
    { type: 'track', event: 'Order Completed', userId: 'u1', messageId: 'roles-2', timestamp: new Date().toISOString(), properties: { revenue: 12 } },
  ]);
  await flushSite(SITE);
  file = (await manifestOf(SITE))[0]!;
  expect(file.rollup, 'the flushed file has a rollup').toBeDefined();
});

interface RouteCase {
  /** the route's method and path pattern as in SITE_ROUTES: resource, then the `rest` pattern's source (or "") */
  route: string;
  method: string;
  path: () => string;
  /** deliberately invalid where a valid one would change state: passing the role check then gives 400/404 */
  body?: unknown;
  least: Role;
}

const CASES: RouteCase[] = [
  { route: 'manifest', method: 'GET', path: () => '/manifest', least: 'viewer' },
  { route: 'files ^(.+)$', method: 'GET', path: () => `/files/${file.rollup!.key}`, least: 'viewer' },
  { route: 'files ^(.+)$', method: 'GET', path: () => `/files/${file.key}`, least: 'analyst' },
  { route: 'files ^(.+)$', method: 'GET', path: () => `/files/${encodeURIComponent(file.key)}`, least: 'analyst' },
  { route: 'files ^(.+)$', method: 'HEAD', path: () => `/files/${file.rollup!.key}`, least: 'viewer' },
  { route: 'files ^(.+)$', method: 'HEAD', path: () => `/files/${file.key}`, least: 'analyst' },
  { route: 'live', method: 'GET', path: () => '/live', least: 'viewer' },
  { route: 'whoami', method: 'GET', path: () => '/whoami', least: 'viewer' },
  { route: 'export', method: 'GET', path: () => '/export', least: 'analyst' },
  { route: 'flush', method: 'POST', path: () => '/flush', least: 'admin' },
  { route: 'tokens', method: 'GET', path: () => '/tokens', least: 'admin' },
  { route: 'tokens', method: 'POST', path: () => '/tokens', body: { role: 'superuser' }, least: 'admin' },
  { route: 'tokens ^([^/]+)$', method: 'DELETE', path: () => '/tokens/0000000000000000', least: 'admin' },
  { route: 'tokens ^([^/]+)\\/rotate$', method: 'POST', path: () => '/tokens/0000000000000000/rotate', least: 'admin' },
  { route: 'erasure', method: 'POST', path: () => '/erasure', body: {}, least: 'admin' },
  { route: 'erasure', method: 'GET', path: () => '/erasure', least: 'admin' },
  { route: 'erasure ^([^/]+)$', method: 'GET', path: () => '/erasure/0000000000000000', least: 'admin' },
  { route: 'settings ^retention$', method: 'GET', path: () => '/settings/retention', least: 'admin' },
  { route: 'settings ^retention$', method: 'PUT', path: () => '/settings/retention', body: { retentionDays: 0 }, least: 'admin' },
  { route: 'audit', method: 'GET', path: () => '/audit', least: 'admin' },
  { route: 'metrics', method: 'GET', path: () => '/metrics', least: 'viewer' },
  { route: 'failures', method: 'GET', path: () => '/failures', least: 'viewer' },
  { route: 'backups', method: 'GET', path: () => '/backups', least: 'admin' },
  { route: 'backups', method: 'POST', path: () => '/backups', body: { kind: 'bogus' }, least: 'admin' },
  { route: 'restore', method: 'POST', path: () => '/restore', body: {}, least: 'admin' },
  { route: 'restore', method: 'GET', path: () => '/restore', least: 'admin' },
  { route: 'alerts', method: 'POST', path: () => '/alerts', body: {}, least: 'admin' },
  { route: 'alerts', method: 'GET', path: () => '/alerts', least: 'admin' },
  { route: 'alerts ^events$', method: 'GET', path: () => '/alerts/events', least: 'viewer' },
  { route: 'alerts ^([^/]+)$', method: 'DELETE', path: () => '/alerts/0000000000000000', least: 'admin' },
  { route: 'alerts ^dimensions$', method: 'GET', path: () => '/alerts/dimensions', least: 'admin' },
  { route: 'alerts ^([^/]+)$', method: 'PUT', path: () => '/alerts/0000000000000000', body: {}, least: 'admin' },
  { route: 'alerts ^([^/]+)\\/mute$', method: 'POST', path: () => '/alerts/0000000000000000/mute', body: {}, least: 'admin' },
  { route: 'alerts ^([^/]+)\\/test$', method: 'POST', path: () => '/alerts/0000000000000000/test', body: { webhook: 'yes' }, least: 'admin' },
  { route: 'audiences ^deliveries$', method: 'POST', path: () => '/audiences/deliveries', body: {}, least: 'analyst' },
  { route: 'audiences ^deliveries$', method: 'GET', path: () => '/audiences/deliveries', least: 'analyst' },
  { route: 'audiences ^deliveries\\/([^/]+)$', method: 'GET', path: () => '/audiences/deliveries/0000000000000000', least: 'analyst' },
  { route: 'audiences ^exports$', method: 'POST', path: () => '/audiences/exports', body: {}, least: 'analyst' },
  { route: 'imports', method: 'POST', path: () => '/imports?kind=bogus', body: {}, least: 'analyst' },
  { route: 'imports', method: 'GET', path: () => '/imports', least: 'analyst' },
  { route: 'imports ^([^/]+)$', method: 'GET', path: () => '/imports/no-such-import', least: 'analyst' },
  { route: 'imports ^([^/]+)\\/report$', method: 'GET', path: () => '/imports/no-such-import/report', least: 'analyst' },
  { route: 'imports ^([^/]+)$', method: 'DELETE', path: () => '/imports/no-such-import', least: 'admin' },
  { route: 'audiences ^consent$', method: 'POST', path: () => '/audiences/consent', body: {}, least: 'analyst' },
  { route: 'consent', method: 'POST', path: () => '/consent', body: {}, least: 'admin' },
  { route: 'consent', method: 'GET', path: () => '/consent', least: 'admin' },
];

describe('every route × every role', () => {
  it('the table covers every route of the edge', () => {
    const routes = SITE_ROUTES.map((r) => `${r.method} ${r.resource}${r.rest ? ` ${r.rest.source}` : ''}`);
    const covered = new Set(CASES.map((c) => `${c.method} ${c.route}`));
    expect(routes.filter((r) => !covered.has(r))).toEqual([]);
    expect([...covered].filter((c) => !routes.includes(c))).toEqual([]);
  });

  for (const role of ROLES) {
    it(`${role}: allowed exactly where its rank reaches the least role, refused with insufficient_role naming it elsewhere`, async () => {
      for (const c of CASES) {
        const res = await call(role, c.method, c.path(), c.body);
        const label = `${role} ${c.method} ${c.path()} -> ${res.status} ${JSON.stringify(res.body)}`;
        if (RANK[role] >= RANK[c.least]) {
          expect([401, 403], label).not.toContain(res.status);
          expect(res.status, label).toBeLessThan(500);
        } else {
          expect(res.status, label).toBe(403);
          // HEAD answers carry no body; the GET case of the same route checks the code.
          if (c.method !== 'HEAD') expect(res.body, label).toMatchObject({ error: 'insufficient_role', role, required: c.least });
        }
      }
    });
  }
});

describe('a viewer reads aggregates, never rows', () => {
  it('gets 403 for an event file and the bytes of its rollup', async () => {
    const events = await call('viewer', 'GET', `/files/${file.key}`);
    expect(events.status).toBe(403);
    expect(events.body).toMatchObject({ error: 'insufficient_role', role: 'viewer', required: 'analyst' });
    expect(String(events.body.message)).toMatch(/download event files \(rows\).*analyst/);
    const rollup = await call('viewer', 'GET', `/files/${file.rollup!.key}`);
    expect(rollup.status).toBe(200);
    expect(rollup.bytes.byteLength).toBe(file.rollup!.bytes);
    expect(new TextDecoder().decode(rollup.bytes.slice(0, 4))).toBe('PAR1');
    const analyst = await call('analyst', 'GET', `/files/${file.key}`);
    expect(analyst.status).toBe(200);
    expect(analyst.bytes.byteLength).toBe(file.bytes);
  });

  it('sees the same manifest as an analyst (event files listed with their rollups; downloading them is what is refused)', async () => {
    const viewer = await call('viewer', 'GET', '/manifest');
    const analyst = await call('analyst', 'GET', '/manifest');
    expect(viewer.status).toBe(200);
    const strip = (b: Record<string, unknown>) => ({ ...b, generatedAt: null });
    expect(strip(viewer.body)).toEqual(strip(analyst.body));
  });

  it('may not list exports', async () => {
    expect((await call('viewer', 'GET', '/export')).body).toMatchObject({ error: 'insufficient_role', required: 'analyst' });
  });
});

interface DownloadEntry {
  id: number;
  actor: string;
  details: { hour: string; kind: string; role: string; files: number; requests: number; fromDate: string; toDate: string; keys: string[] };
}

describe('downloads and exports in the audit log', () => {
  it('one data.download entry per token, hour and kind, counting requests and distinct files; refusals are not downloads', async () => {
    const before = (await adminCall(SITE, 'GET', '/audit?action=data.download&limit=1000')).body.entries as DownloadEntry[];
    const requestsBefore = (actor: string, kind: string) => before.filter((e) => e.actor === actor && e.details.kind === kind).reduce((n, e) => n + e.details.requests, 0);
    const viewerRollups = requestsBefore('config:viewer:0', 'rollups');
    const analystEvents = requestsBefore('config:analyst:0', 'events');

    for (let i = 0; i < 3; i++) expect((await call('analyst', 'GET', `/files/${file.key}`)).status).toBe(200);
    expect((await call('viewer', 'GET', `/files/${file.rollup!.key}`)).status).toBe(200);
    expect((await call('viewer', 'GET', `/files/${file.key}`)).status).toBe(403);

    const entries = (await adminCall(SITE, 'GET', '/audit?action=data.download&limit=1000')).body.entries as DownloadEntry[];
    const perHour = new Set(entries.map((e) => `${e.actor} ${e.details.kind} ${e.details.hour}`));
    expect(perHour.size, 'one entry per token, hour and kind').toBe(entries.length);
    const of = (actor: string, kind: string) => entries.filter((e) => e.actor === actor && e.details.kind === kind);
    expect(of('config:analyst:0', 'events').reduce((n, e) => n + e.details.requests, 0)).toBe(analystEvents + 3);
    expect(of('config:viewer:0', 'rollups').reduce((n, e) => n + e.details.requests, 0)).toBe(viewerRollups + 1);
    expect(of('config:viewer:0', 'events')).toEqual([]);
    const latest = of('config:analyst:0', 'events')[0]!;
    expect(latest.details).toMatchObject({ role: 'analyst', files: 1, fromDate: file.date, toDate: file.date, keys: [file.key] });
    expect(of('config:viewer:0', 'rollups')[0]!.details).toMatchObject({ role: 'viewer', keys: [file.rollup!.key] });
  });

  it('an export listing is recorded with who, the range and its size', async () => {
    const res = await call('analyst', 'GET', '/export?from=2020-01-01');
    expect(res.status).toBe(200);
    const entries = (await adminCall(SITE, 'GET', '/audit?action=data.export')).body.entries as { actor: string; details: Record<string, unknown> }[];
    expect(entries[0]).toMatchObject({ actor: 'config:analyst:0', details: { role: 'analyst', from: '2020-01-01', to: null } });
    expect(entries[0]!.details.files).toBeGreaterThanOrEqual(1);
  });
});
