import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { EDGE } from '../helpers';
import { catalogOf } from '../../src/stubs';

const SITE = 'access';
const TOKENS = { viewer: 'access-viewer-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G', analyst: 'access-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G', admin: 'access-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G' } as const;

async function call(method: string, path: string, authorization: string | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (authorization !== null) headers.authorization = authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await SELF.fetch(`${EDGE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

const bearer = (token: string) => `Bearer ${token}`;

async function issue(role: string, label = `test ${role}`, site = SITE, admin = `${site}-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`) {
  const res = await call('POST', `/v1/sites/${site}/tokens`, bearer(admin), { role, label });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { token: string; id: string; role: string };
}

describe('every 401 path', () => {
  const manifest = `/v1/sites/${SITE}/manifest`;

  it('missing: no Authorization header, or an empty one', async () => {
    for (const header of [null, '']) {
      const res = await call('GET', manifest, header);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('missing_token');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('malformed: not "Bearer <token>", or an API token of the wrong shape', async () => {
    for (const header of ['Basic YWNjZXNzOg==', 'Bearer', 'Bearer two tokens', 'Token access-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G', `Bearer ${'x'.repeat(600)}`, 'Bearer pat.access.123.abc']) {
      const res = await call('GET', manifest, header);
      expect(res.status, header).toBe(401);
      expect(res.body.error, header).toBe('malformed_token');
    }
  });

  it('unknown: a random token, an API token with a forged secret or of an unknown site', async () => {
    const real = await issue('viewer');
    const forged = `${real.token.slice(0, -4)}AAAA`;
    for (const token of ['not-a-token-at-all', forged, real.token.replace('pat.access.', 'pat.nosuchsite.')]) {
      const res = await call('GET', manifest, bearer(token));
      expect(res.status, token).toBe(401);
      expect(res.body.error).toBe('invalid_token');
    }
  });

  it('revoked: a revoked API token, at once', async () => {
    const issued = await issue('analyst');
    expect((await call('GET', manifest, bearer(issued.token))).status).toBe(200);
    expect((await call('DELETE', `/v1/sites/${SITE}/tokens/${issued.id}`, bearer(TOKENS.admin))).status).toBe(200);
    const res = await call('GET', manifest, bearer(issued.token));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('revoked_token');
  });

  it('expired: an API token past its expiry', async () => {
    const issued = await issue('viewer');
    await runInDurableObject(catalogOf(env, SITE), (_instance, state) => {
      state.storage.sql.exec('UPDATE tokens SET expires_at = ? WHERE id = ?', Date.now() - 1000, issued.id);
    });
    const res = await call('GET', manifest, bearer(issued.token));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('expired_token');
  });
});

describe('every 403 path', () => {
  it('wrong site: a SITE_SECRETS token or an API token of another site', async () => {
    const other = await issue('admin', 'other site', 'demo', 'demo-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G');
    for (const token of ['demo-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G', 'demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G', other.token]) {
      const res = await call('GET', `/v1/sites/${SITE}/manifest`, bearer(token));
      expect(res.status, token).toBe(403);
      expect(res.body.error).toBe('wrong_site');
    }
  });

  it('a write key used as a bearer token', async () => {
    for (const key of ['access-write-key', 'demo-write-key']) {
      const res = await call('GET', `/v1/sites/${SITE}/manifest`, bearer(key));
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('write_key_not_allowed');
    }
  });

  it('insufficient role, naming the role needed', async () => {
    const res = await call('POST', `/v1/sites/${SITE}/flush`, bearer(TOKENS.analyst));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'insufficient_role', role: 'analyst', required: 'admin' });
    const exportRes = await call('GET', `/v1/sites/${SITE}/export`, bearer(TOKENS.viewer));
    expect(exportRes.body).toMatchObject({ error: 'insufficient_role', role: 'viewer', required: 'analyst' });
  });
});

/** [method, path, body, least role]. Bodies are deliberately invalid where a valid one would change state: passing the check then gives 400/404. */
const ENDPOINTS: [string, string, unknown, 'viewer' | 'analyst' | 'admin'][] = [
  ['GET', '/manifest', undefined, 'viewer'],
  ['GET', '/files/events/site=access/date=2026-01-01/hour=00/missing.parquet', undefined, 'analyst'],
  ['HEAD', '/files/events/site=access/date=2026-01-01/missing.parquet', undefined, 'analyst'],
  ['GET', '/files/rollups/site=access/date=2026-01-01/hour=00/missing.parquet', undefined, 'viewer'],
  ['GET', '/live', undefined, 'viewer'],
  ['GET', '/whoami', undefined, 'viewer'],
  ['GET', '/export', undefined, 'analyst'],
  ['POST', '/flush', undefined, 'admin'],
  ['GET', '/tokens', undefined, 'admin'],
  ['POST', '/tokens', { role: 'superuser' }, 'admin'],
  ['DELETE', '/tokens/0000000000000000', undefined, 'admin'],
  ['POST', '/tokens/0000000000000000/rotate', undefined, 'admin'],
  ['POST', '/erasure', {}, 'admin'],
  ['GET', '/erasure', undefined, 'admin'],
  ['GET', '/erasure/0000000000000000', undefined, 'admin'],
  ['GET', '/settings/retention', undefined, 'admin'],
  ['PUT', '/settings/retention', { retentionDays: 0 }, 'admin'],
  ['GET', '/audit', undefined, 'admin'],
];
const RANK = { viewer: 0, analyst: 1, admin: 2 } as const;

describe('each role can do exactly what it should', () => {
  for (const role of ['viewer', 'analyst', 'admin'] as const) {
    it(`${role} (SITE_SECRETS token and API token)`, async () => {
      const apiToken = (await issue(role)).token;
      for (const token of [TOKENS[role], apiToken]) {
        for (const [method, path, body, least] of ENDPOINTS) {
          const res = await call(method, `/v1/sites/${SITE}${path}`, bearer(token), body);
          const label = `${role} ${method} ${path} -> ${res.status} ${JSON.stringify(res.body)}`;
          if (RANK[role] >= RANK[least]) expect([401, 403]).not.toContain(res.status);
          else expect(res.status, label).toBe(403);
          if (RANK[role] < RANK[least] && method !== 'HEAD') expect(res.body.error, label).toBe('insufficient_role');
        }
      }
    });
  }

  it('whoami reports the role and its actions', async () => {
    const res = await call('GET', `/v1/sites/${SITE}/whoami`, bearer(TOKENS.analyst));
    expect(res.body).toMatchObject({ site: SITE, role: 'analyst', tokenId: 'config:analyst:0', source: 'config', actions: ['aggregates.read', 'live.read', 'data.read', 'data.export', 'imports.write'] });
  });

  it('the demo defaults keep working: demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G is an analyst, demo-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G an admin', async () => {
    expect((await call('GET', '/v1/sites/demo/whoami', bearer('demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G'))).body.role).toBe('analyst');
    expect((await call('GET', '/v1/sites/demo/whoami', bearer('demo-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G'))).body.role).toBe('admin');
    expect((await call('GET', '/v1/sites/demo/whoami', bearer('demo-viewer-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G'))).body.role).toBe('viewer');
  });
});

describe('token management', () => {
  it('returns the secret once, stores only its SHA-256, and lists tokens without secrets', async () => {
    const issued = await issue('viewer', 'wall display');
    const listed = await call('GET', `/v1/sites/${SITE}/tokens`, bearer(TOKENS.admin));
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(issued.token);
    expect(text).not.toContain(issued.token.split('.')[3]);
    expect((listed.body.tokens as { id: string }[]).find((t) => t.id === issued.id)).toMatchObject({ role: 'viewer', label: 'wall display', status: 'active' });
    expect(listed.body.configTokens).toEqual([
      { id: 'config:viewer:0', role: 'viewer', source: 'config' },
      { id: 'config:analyst:0', role: 'analyst', source: 'config' },
      { id: 'config:admin:0', role: 'admin', source: 'config' },
    ]);
    const stored = await runInDurableObject(catalogOf(env, SITE), (_i, state) => {
      const tables = state.storage.sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'`).toArray();
      return tables.map(({ name }) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray())).join('\n');
    });
    expect(stored).not.toContain(issued.token.split('.')[3]);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(issued.token)));
    expect(stored).toContain([...digest].map((b) => b.toString(16).padStart(2, '0')).join(''));
  });

  it('rotation issues a successor with the same role; the old token ends at once or after the grace period', async () => {
    const first = await issue('analyst', 'etl');
    const rotated = await call('POST', `/v1/sites/${SITE}/tokens/${first.id}/rotate`, bearer(TOKENS.admin), { graceSeconds: 3600 });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ role: 'analyst', label: 'etl', replaces: { id: first.id, replacedBy: rotated.body.id } });
    const second = rotated.body as { token: string; id: string };
    expect((await call('GET', `/v1/sites/${SITE}/whoami`, bearer(first.token))).status).toBe(200);
    expect((await call('GET', `/v1/sites/${SITE}/whoami`, bearer(second.token))).body.role).toBe('analyst');

    const again = await call('POST', `/v1/sites/${SITE}/tokens/${second.id}/rotate`, bearer(TOKENS.admin));
    expect(again.status).toBe(201);
    expect((await call('GET', `/v1/sites/${SITE}/whoami`, bearer(second.token))).body.error).toBe('revoked_token');
    expect((await call('GET', `/v1/sites/${SITE}/whoami`, bearer((again.body as { token: string }).token))).status).toBe(200);
    expect((await call('POST', `/v1/sites/${SITE}/tokens/${second.id}/rotate`, bearer(TOKENS.admin))).body.error).toBe('token_not_active');
  });

  it('an admin API token can issue and revoke; revocation is idempotent and config tokens are refused', async () => {
    const admin = await issue('admin', 'ops');
    const viewer = await issue('viewer', 'made by ops', SITE, admin.token);
    expect((await call('DELETE', `/v1/sites/${SITE}/tokens/${viewer.id}`, bearer(admin.token))).body).toMatchObject({ status: 'revoked', revokedBy: admin.id });
    expect((await call('DELETE', `/v1/sites/${SITE}/tokens/${viewer.id}`, bearer(admin.token))).status).toBe(200);
    expect((await call('DELETE', `/v1/sites/${SITE}/tokens/config:admin:0`, bearer(admin.token))).body.error).toBe('config_token');
    expect((await call('DELETE', `/v1/sites/${SITE}/tokens/not-an-id`, bearer(admin.token))).status).toBe(400);
  });

  it('validates bodies with precise messages', async () => {
    const res = await call('POST', `/v1/sites/${SITE}/tokens`, bearer(TOKENS.admin), { role: 'owner', label: '' });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/role/);
    expect((await call('POST', `/v1/sites/${SITE}/tokens`, bearer(TOKENS.admin), { role: 'viewer', label: 'x', extra: 1 })).status).toBe(400);
  });

  it('records creation, rotation and revocation in the audit log, with token ids only', async () => {
    const issued = await issue('viewer', 'audited');
    await call('DELETE', `/v1/sites/${SITE}/tokens/${issued.id}`, bearer(TOKENS.admin));
    const audit = await call('GET', `/v1/sites/${SITE}/audit?limit=1000`, bearer(TOKENS.admin));
    const entries = audit.body.entries as { action: string; actor: string; details: { tokenId?: string } }[];
    expect(entries.find((e) => e.action === 'token.create' && e.details.tokenId === issued.id)).toMatchObject({ actor: 'config:admin:0' });
    expect(entries.find((e) => e.action === 'token.revoke' && e.details.tokenId === issued.id)).toMatchObject({ actor: 'config:admin:0' });
    expect(JSON.stringify(entries)).not.toContain(issued.token);
    const onlyRevocations = await call('GET', `/v1/sites/${SITE}/audit?action=token.revoke`, bearer(TOKENS.admin));
    expect((onlyRevocations.body.entries as { action: string }[]).every((e) => e.action === 'token.revoke')).toBe(true);
  });
});
