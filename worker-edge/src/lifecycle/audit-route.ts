import { z } from 'zod';
import type { AccessGrant } from '../access/site-access';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { AUDIT_ACTIONS } from './audit-log';
import { boundedLimit } from './erasure-route';
import { catalogOf } from '../stubs';

/** GET /v1/sites/<site>/audit?action=<action>&limit=<n>&before=<id>: newest first; `next` pages further back. */
export async function handleAudit(url: URL, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const actionText = url.searchParams.get('action');
  const action = actionText === null ? undefined : z.enum(AUDIT_ACTIONS).safeParse(actionText);
  if (action && !action.success) throw new HttpError(400, 'invalid_parameter', `action: expected one of ${AUDIT_ACTIONS.join(', ')}, got "${actionText!.slice(0, 40)}"`);
  const beforeText = url.searchParams.get('before');
  const before = beforeText === null ? undefined : Number(beforeText);
  if (before !== undefined && (!Number.isInteger(before) || before < 1)) throw new HttpError(400, 'invalid_parameter', `before: expected an entry id, got "${beforeText!.slice(0, 40)}"`);
  const limit = boundedLimit(url, 100, 1000);
  const entries = await catalogOf(env, grant.site.id).listAudit({ action: action?.data, beforeId: before, limit });
  const next = entries.length === limit ? entries[entries.length - 1]!.id : null;
  return jsonResponse({ site: grant.site.id, entries, next }, 200, { ...headers, 'cache-control': 'no-store' });
}
