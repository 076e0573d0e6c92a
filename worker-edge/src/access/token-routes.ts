import { z } from 'zod';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { readValidatedBody } from '../http/validated-body';
import { catalogOf } from '../stubs';
import { newApiToken, newTokenId, tokenHashHex } from './api-token';
import { ROLE_ACTIONS, ROLES } from './roles';
import { configTokenIds, type AccessGrant } from './site-access';
import type { NewTokenRecord, TokenInfo } from './token-store';
import { DAY_MS } from '@privacy-analytics/core/time';

/** Active API tokens per site: plenty for people and integrations, few enough to list. */
export const MAX_ACTIVE_TOKENS = 200;
const MAX_TOKEN_DAYS = 3650;
const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 60 * 60;

const labelSchema = z.string().trim().min(1).max(100).regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters');

const createSchema = z
  .object({
    role: z.enum(ROLES),
    label: labelSchema,
    expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).optional(),
  })
  .strict();

const rotateSchema = z
  .object({
    graceSeconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).default(0),
    label: labelSchema.optional(),
    expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).optional(),
  })
  .strict();

const tokenIdSchema = z.string().regex(/^[0-9a-f]{16}$/);

/** POST /v1/sites/<site>/tokens: issues a token; the secret is in this answer and nowhere else. */
export async function handleCreateToken(request: Request, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const body = await readValidatedBody(request, createSchema, '{"role": "viewer" | "analyst" | "admin", "label": "...", "expiresInDays"?: 1-3650}');
  const issued = await issueToken(grant, body.role, body.label, body.expiresInDays);
  const created = await catalogOf(env, grant.site.id).createToken(issued.record, MAX_ACTIVE_TOKENS);
  if ('error' in created) {
    throw new HttpError(409, 'too_many_tokens', `site "${grant.site.id}" already has ${created.active} active tokens (limit ${MAX_ACTIVE_TOKENS}); revoke some first`);
  }
  return jsonResponse({ token: issued.token, ...created }, 201, { ...headers, 'cache-control': 'no-store' });
}

/** GET /v1/sites/<site>/tokens: API tokens without secrets, plus the ids of the SITE_SECRETS tokens. */
export async function handleListTokens(env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const tokens = await catalogOf(env, grant.site.id).listTokens();
  return jsonResponse({ site: grant.site.id, tokens: tokens, configTokens: configTokenIds(grant.site) }, 200, { ...headers, 'cache-control': 'no-store' });
}

/** DELETE /v1/sites/<site>/tokens/<id>: revokes at once (idempotent). */
export async function handleRevokeToken(env: Env, grant: AccessGrant, id: string, headers: Record<string, string>): Promise<Response> {
  const tokenId = parseTokenId(id);
  const revoked = await catalogOf(env, grant.site.id).revokeToken(tokenId, grant.tokenId);
  if (!revoked) throw new HttpError(404, 'not_found', `no token "${tokenId}" on site "${grant.site.id}"`);
  return jsonResponse(revoked, 200, headers);
}

/**
 * POST /v1/sites/<site>/tokens/<id>/rotate: issues a successor with the same role and retires the
 * old token, at once or after `graceSeconds` so that clients can switch.
 */
export async function handleRotateToken(request: Request, env: Env, grant: AccessGrant, id: string, headers: Record<string, string>): Promise<Response> {
  const tokenId = parseTokenId(id);
  const body = await readValidatedBody(request, rotateSchema, '{"graceSeconds"?: 0-604800, "label"?: "...", "expiresInDays"?: 1-3650}', { optional: true });
  const catalog = catalogOf(env, grant.site.id);
  const old = await catalog.tokenById(tokenId);
  if (!old) throw new HttpError(404, 'not_found', `no token "${tokenId}" on site "${grant.site.id}"`);
  if (old.status !== 'active') throw new HttpError(409, 'token_not_active', `token ${tokenId} is ${old.status}; issue a new one instead`);
  const issued = await issueToken(grant, old.role, body.label ?? old.label, body.expiresInDays);
  const rotated = await catalog.rotateToken(tokenId, issued.record, body.graceSeconds * 1000);
  if (!rotated) throw new HttpError(409, 'token_not_active', `token ${tokenId} was revoked or expired meanwhile`);
  return jsonResponse({ token: issued.token, ...rotated.successor, replaces: rotated.old }, 201, { ...headers, 'cache-control': 'no-store' });
}

/** GET /v1/sites/<site>/whoami: the caller's role and what it allows (the dashboard hides what it may not do). */
export function handleWhoAmI(grant: AccessGrant, headers: Record<string, string>): Response {
  return jsonResponse(
    { site: grant.site.id, tokenId: grant.tokenId, role: grant.role, label: grant.label, source: grant.source, expiresAt: grant.expiresAt, actions: ROLE_ACTIONS[grant.role] },
    200,
    { ...headers, 'cache-control': 'no-store' },
  );
}

async function issueToken(grant: AccessGrant, role: TokenInfo['role'], label: string, expiresInDays: number | undefined): Promise<{ token: string; record: NewTokenRecord }> {
  const id = newTokenId();
  const token = newApiToken(grant.site.id, id);
  return {
    token,
    record: { id, hash: await tokenHashHex(token), role, label, createdBy: grant.tokenId, expiresAt: expiresInDays === undefined ? null : Date.now() + expiresInDays * DAY_MS },
  };
}

function parseTokenId(id: string): string {
  if (id.startsWith('config:')) {
    throw new HttpError(409, 'config_token', `"${id}" comes from the SITE_SECRETS secret; remove it there (wrangler secret put SITE_SECRETS) to revoke it`);
  }
  const parsed = tokenIdSchema.safeParse(id);
  if (!parsed.success) throw new HttpError(400, 'invalid_token_id', `token ids are 16 hex characters, got "${id.slice(0, 40)}"`);
  return parsed.data;
}
