import { z } from 'zod';
import type { AccessGrant } from '../access/site-access';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { readValidatedBody } from '../http/validated-body';
import { hasherFor } from '../ingest/ingest-route';
import { HmacIdHasher } from '@privacy-analytics/core/privacy';
import { catalogOf, lifecycleOf } from '../stubs';

/** "confirm": true runs a request whose expansion is large (a dry run otherwise), or confirms one awaiting it. */
const confirmField = { confirm: z.boolean().optional() };
const erasureBodySchema = z.union([
  z.object({ userId: z.string().min(1).max(500), ...confirmField }).strict(),
  z.object({ hashedId: z.string().regex(/^[0-9a-fA-F]{32}$/, 'a hashed id is 32 hex characters'), ...confirmField }).strict(),
]);

const requestIdSchema = z.string().regex(/^[0-9a-f]{16}$/);

/**
 * POST /v1/sites/<site>/erasure with {"userId": "..."} or {"hashedId": "<32 hex>"}, and "confirm": true to let a large
 * expansion run. A user id is hashed here exactly as ingest hashes ids, and only the hash goes further. 202 with the
 * request (200 with the existing one if the same person is already being erased or awaits confirmation; with
 * "confirm": true, that one is confirmed).
 */
export async function handleRequestErasure(request: Request, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const body = await readValidatedBody(request, erasureBodySchema, '{"userId": "<id as sent by your app>"} or {"hashedId": "<32 hex characters>"}, and optionally "confirm": true');
  const site = grant.site;
  let seeds: string[];
  if ('hashedId' in body) seeds = [body.hashedId.toLowerCase()];
  else if (site.mode === 'pseudonymous') {
    // Rows written before a hashKey rotation carry the old key's pseudonym: seed with every key version.
    const current = await (await hasherFor(site, env, Date.now())).hashId(body.userId);
    const previous = await Promise.all(site.previousHashKeys.map((key) => new HmacIdHasher(key).hashId(body.userId)));
    seeds = [...new Set([current, ...previous])];
  }
  // Cookieless ids are hashed with a daily salt kept 48 h: only rows under a live salt can be tied to this user id.
  else seeds = await catalogOf(env, site.id).hashWithLiveSalts(body.userId);
  const { erasure, created } = await lifecycleOf(env, site.id).requestErasure({
    site: site.id,
    seeds,
    via: 'hashedId' in body ? 'hashedId' : 'userId',
    requestedBy: grant.tokenId,
    confirm: body.confirm === true,
  });
  return jsonResponse({ ...erasure, statusUrl: `/v1/sites/${site.id}/erasure/${erasure.id}` }, created ? 202 : 200, { ...headers, 'cache-control': 'no-store' });
}

/** GET /v1/sites/<site>/erasure/<id>: progress and outcome of one request. */
export async function handleErasureStatus(env: Env, grant: AccessGrant, id: string, headers: Record<string, string>): Promise<Response> {
  const parsed = requestIdSchema.safeParse(id);
  if (!parsed.success) throw new HttpError(400, 'invalid_request_id', `erasure request ids are 16 hex characters, got "${id.slice(0, 40)}"`);
  const erasure = await lifecycleOf(env, grant.site.id).erasureStatus(parsed.data);
  if (!erasure) throw new HttpError(404, 'not_found', `no erasure request "${parsed.data}" on site "${grant.site.id}"`);
  return jsonResponse(erasure, 200, { ...headers, 'cache-control': 'no-store' });
}

/** GET /v1/sites/<site>/erasure: the most recent requests, newest first. */
export async function handleListErasures(url: URL, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const limit = boundedLimit(url, 50, 500);
  const erasures = await lifecycleOf(env, grant.site.id).listErasures(limit);
  return jsonResponse({ site: grant.site.id, erasures }, 200, { ...headers, 'cache-control': 'no-store' });
}

export function boundedLimit(url: URL, fallback: number, max: number): number {
  const text = url.searchParams.get('limit');
  if (text === null) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new HttpError(400, 'invalid_parameter', `limit: expected an integer from 1 to ${max}, got "${text}"`);
  return value;
}
