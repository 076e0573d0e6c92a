/**
 * GET /v1/dashboard-config: tells a dashboard served by the edge that the edge is on its origin; offers the demo's
 * read token only with DEMO_SITE set (npm run demo) and only to a loopback host name, never on a deployed Worker.
 */
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { handleDashboardConfig } from '../../src/dashboard/dashboard-config-route';

const DEMO_READ_TOKEN = 'demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';

async function config(url: string, demoSite?: string) {
  const res = handleDashboardConfig(new Request(url), { ...env, DEMO_SITE: demoSite });
  return { status: res.status, cacheControl: res.headers.get('cache-control'), body: (await res.json()) as { edge: boolean; demo: { site: string; readToken: string } | null } };
}

describe('GET /v1/dashboard-config', () => {
  it('answers without a token, and offers nothing when DEMO_SITE is not set (wrangler.toml never sets it)', async () => {
    expect('DEMO_SITE' in env).toBe(false);
    const res = await SELF.fetch('http://127.0.0.1:8787/v1/dashboard-config');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual({ edge: true, demo: null });
  });

  it('offers the demo site read token on a loopback host name when DEMO_SITE is set', async () => {
    for (const url of ['http://127.0.0.1:8787/v1/dashboard-config', 'http://localhost:8787/v1/dashboard-config', 'http://[::1]:8787/v1/dashboard-config']) {
      const res = await config(url, 'demo');
      expect(res.status).toBe(200);
      expect(res.cacheControl).toBe('no-store');
      expect(res.body).toEqual({ edge: true, demo: { site: 'demo', readToken: DEMO_READ_TOKEN } });
    }
  });

  it('offers nothing to any other host name, even with DEMO_SITE set (a deployed Worker by mistake)', async () => {
    for (const url of ['https://privacy-analytics-edge.example.workers.dev/v1/dashboard-config', 'https://127.0.0.1.example.com/v1/dashboard-config', 'http://10.0.0.1/v1/dashboard-config']) {
      expect((await config(url, 'demo')).body).toEqual({ edge: true, demo: null });
    }
  });

  it('offers nothing for a DEMO_SITE that is not configured', async () => {
    expect((await config('http://127.0.0.1:8787/v1/dashboard-config', 'no-such-site')).body).toEqual({ edge: true, demo: null });
  });

  it('is GET only', async () => {
    const res = await SELF.fetch('http://127.0.0.1:8787/v1/dashboard-config', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(await res.json()).toMatchObject({ error: 'method_not_allowed' });
  });
});
