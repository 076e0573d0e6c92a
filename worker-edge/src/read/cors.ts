import { loadSitesConfig, type SiteConfig } from '../config/sites';
import type { Env } from '../env';

/** CORS for the read API: only a site's configured dashboard origins. */
export function readCorsHeaders(request: Request, site: SiteConfig | undefined): Record<string, string> {
  const origin = request.headers.get('origin');
  if (!origin || !site?.dashboardOrigins.includes(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
    'access-control-allow-headers': 'authorization, range, if-none-match, content-type',
    'access-control-expose-headers': 'etag, content-range, content-length, accept-ranges',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}

export function siteForCors(env: Env, siteId: string): SiteConfig | undefined {
  try {
    return loadSitesConfig(env).sites.get(siteId);
  } catch {
    return undefined;
  }
}
