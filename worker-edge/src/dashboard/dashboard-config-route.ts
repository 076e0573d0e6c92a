import type { Env } from '../env';
import { loadSitesConfig } from '../config/sites';
import { jsonResponse } from '../http/http-error';

/** Host names a deployed Worker is never reached by: the demo's token is offered to these only. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface DashboardConfig {
  /** This origin is an edge: the dashboard it serves connects to it. */
  edge: true;
  /** Only under `npm run demo` (DEMO_SITE set) on a loopback address: the demo site and its read token. */
  demo: { site: string; readToken: string } | null;
}

/**
 * GET /v1/dashboard-config, no token needed: tells a dashboard served from this origin that the edge is here, and in
 * the local demo only, which site and read token a newcomer may use with one click. The token is offered when all
 * of these hold: DEMO_SITE is set (npm run demo passes it with --var; wrangler.toml never sets it), the request came
 * to a loopback host name (a deployed Worker is reached by its own host names only), and that site has a read token.
 */
export function handleDashboardConfig(request: Request, env: Pick<Env, 'DEMO_SITE' | 'SITES' | 'SITE_SECRETS'>): Response {
  const body: DashboardConfig = { edge: true, demo: demoOffer(request, env) };
  return jsonResponse(body, 200, { 'cache-control': 'no-store' });
}

function demoOffer(request: Request, env: Pick<Env, 'DEMO_SITE' | 'SITES' | 'SITE_SECRETS'>): DashboardConfig['demo'] {
  if (!env.DEMO_SITE || !LOOPBACK_HOSTS.has(new URL(request.url).hostname)) return null;
  const readToken = loadSitesConfig(env).sites.get(env.DEMO_SITE)?.readTokens[0];
  return readToken ? { site: env.DEMO_SITE, readToken } : null;
}
