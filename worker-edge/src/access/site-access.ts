import { loadSitesConfig, type SiteConfig, type SitesConfig } from '../config/sites';
import type { Env } from '../env';
import { HttpError } from '../http/http-error';
import { isApiTokenShaped, parseApiToken, sameHash, tokenHash } from './api-token';
import { ACTIONS, leastRoleFor, roleAllows, type Action, type Role } from './roles';
import { toHex } from '@privacy-analytics/core/privacy';
import { catalogOf } from '../stubs';

/** Who is calling: the token's role on the site of the URL. */
export interface AccessGrant {
  site: SiteConfig;
  role: Role;
  /** API tokens: their id; SITE_SECRETS tokens: `config:<role>:<index>`. Recorded in the audit log. */
  tokenId: string;
  label: string;
  source: 'api' | 'config';
  expiresAt: string | null;
}

const MAX_TOKEN_CHARS = 512;

/**
 * Authenticates the Bearer token and checks it may perform `action` (null: any valid token).
 * 401: missing, malformed, unknown, revoked or expired token. 403: a valid token of another site,
 * a write key used as a bearer token, or a role below what the action needs.
 */
export async function requireSiteAccess(request: Request, env: Env, siteId: string, action: Action | null): Promise<AccessGrant> {
  const config = loadSitesConfig(env);
  const token = presentedToken(request);
  const hash = await tokenHash(token);
  const grant = isApiTokenShaped(token) ? await apiTokenGrant(env, config, token, hash) : await configTokenGrant(config, hash);
  if (grant.site.id !== siteId) {
    throw new HttpError(403, 'wrong_site', `this token belongs to another site and may not access site "${siteId}"`);
  }
  if (action !== null && !roleAllows(grant.role, action)) {
    throw new HttpError(403, 'insufficient_role', `a ${grant.role} token may not ${ACTIONS[action]} (${action}); this needs the ${leastRoleFor(action)} role`, {
      role: grant.role,
      required: leastRoleFor(action),
    });
  }
  return grant;
}

function presentedToken(request: Request): string {
  const header = request.headers.get('authorization');
  if (header === null || header.trim() === '') {
    throw new HttpError(401, 'missing_token', 'send "Authorization: Bearer <token>"', {}, { 'www-authenticate': 'Bearer' });
  }
  const match = /^Bearer +([\x21-\x7e]+)$/i.exec(header.trim());
  if (!match || match[1]!.length > MAX_TOKEN_CHARS) {
    throw new HttpError(401, 'malformed_token', `the Authorization header must be "Bearer <token>" with a token of at most ${MAX_TOKEN_CHARS} printable characters`, {}, {
      'www-authenticate': 'Bearer error="invalid_request"',
    });
  }
  return match[1]!;
}

async function apiTokenGrant(env: Env, config: SitesConfig, token: string, hash: Uint8Array): Promise<AccessGrant> {
  const parsed = parseApiToken(token);
  if (!parsed) {
    throw new HttpError(401, 'malformed_token', 'this looks like an API token ("pat.<site>.<id>.<secret>") but is not well formed; copy it again', {}, {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }
  const site = config.sites.get(parsed.site);
  if (!site) throw unknownToken();
  const check = await catalogOf(env, site.id).checkToken(parsed.id, toHex(hash));
  if (check.status === 'unknown') throw unknownToken();
  if (check.status === 'revoked') {
    throw new HttpError(401, 'revoked_token', `token ${parsed.id} was revoked at ${check.token.revokedAt}`, {}, { 'www-authenticate': 'Bearer error="invalid_token"' });
  }
  if (check.status === 'expired') {
    throw new HttpError(401, 'expired_token', `token ${parsed.id} expired at ${check.token.expiresAt}`, {}, { 'www-authenticate': 'Bearer error="invalid_token"' });
  }
  return { site, role: check.token.role, tokenId: check.token.id, label: check.token.label, source: 'api', expiresAt: check.token.expiresAt };
}

interface ConfigToken {
  site: SiteConfig;
  role: Role | 'write';
  tokenId: string;
  hash: Uint8Array;
}

const configTokenCache = new WeakMap<SitesConfig, Promise<ConfigToken[]>>();

/** SITE_SECRETS tokens (and write keys, to refuse them clearly), hashed once per configuration. */
function configTokens(config: SitesConfig): Promise<ConfigToken[]> {
  let tokens = configTokenCache.get(config);
  if (!tokens) configTokenCache.set(config, (tokens = hashConfigTokens(config)));
  return tokens;
}

async function hashConfigTokens(config: SitesConfig): Promise<ConfigToken[]> {
  const out: ConfigToken[] = [];
  for (const site of config.sites.values()) {
    const lists: [Role | 'write', readonly string[]][] = [
      ['viewer', site.viewerTokens],
      ['analyst', site.readTokens],
      ['admin', site.adminTokens],
      ['write', site.writeKeys],
    ];
    for (const [role, tokens] of lists) {
      for (const [index, token] of tokens.entries()) out.push({ site, role, tokenId: `config:${role}:${index}`, hash: await tokenHash(token) });
    }
  }
  return out;
}

async function configTokenGrant(config: SitesConfig, hash: Uint8Array): Promise<AccessGrant> {
  let found: ConfigToken | null = null;
  // Every entry is compared, so the time taken does not depend on which one (if any) matched.
  for (const entry of await configTokens(config)) if (sameHash(entry.hash, hash) && !found) found = entry;
  if (!found) throw unknownToken();
  if (found.role === 'write') {
    throw new HttpError(403, 'write_key_not_allowed', 'this is a write key, which only sends events; reading and administration need a token');
  }
  return { site: found.site, role: found.role, tokenId: found.tokenId, label: `SITE_SECRETS ${found.tokenId}`, source: 'config', expiresAt: null };
}

function unknownToken(): HttpError {
  return new HttpError(401, 'invalid_token', 'the token is not known to this collector', {}, { 'www-authenticate': 'Bearer error="invalid_token"' });
}

/** SITE_SECRETS token ids of a site, for the token listing (never the tokens themselves). */
export function configTokenIds(site: SiteConfig): { id: string; role: Role; source: 'config' }[] {
  const lists: [Role, readonly string[]][] = [
    ['viewer', site.viewerTokens],
    ['analyst', site.readTokens],
    ['admin', site.adminTokens],
  ];
  return lists.flatMap(([role, tokens]) => tokens.map((_, index) => ({ id: `config:${role}:${index}`, role, source: 'config' as const })));
}
