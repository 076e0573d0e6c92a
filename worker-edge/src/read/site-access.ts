import { loadSitesConfig, type SiteConfig } from '../config/sites';
import type { Env } from '../env';
import { HttpError } from '../http/http-error';
import { bearerToken, matchesAnyToken } from '../http/tokens';

export type AccessLevel = 'read' | 'admin';

/**
 * Checks a Bearer token against the site's read or admin tokens. Admin tokens also read.
 * 401: no or unknown token; 403: a valid token of another site, or a read token on an admin route.
 */
export function requireSiteAccess(request: Request, env: Env, siteId: string, level: AccessLevel): SiteConfig {
  const config = loadSitesConfig(env);
  const token = bearerToken(request);
  if (!token) throw new HttpError(401, 'missing_token', 'send "Authorization: Bearer <token>"', {}, { 'www-authenticate': 'Bearer' });
  const site = config.sites.get(siteId);
  const accepted = site ? (level === 'admin' ? site.adminTokens : [...site.readTokens, ...site.adminTokens]) : [];
  if (site && matchesAnyToken(token, accepted)) return site;
  const knownElsewhere = [...config.sites.values()].some(
    (other) => matchesAnyToken(token, [...other.readTokens, ...other.adminTokens]) || (other.writeKeys.includes(token)),
  );
  if (knownElsewhere) throw new HttpError(403, 'forbidden', `this token may not ${level === 'admin' ? 'administer' : 'read'} site "${siteId}"`);
  throw new HttpError(401, 'invalid_token', 'the token is not known to this collector', {}, { 'www-authenticate': 'Bearer error="invalid_token"' });
}
