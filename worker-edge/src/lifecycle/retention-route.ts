import { z } from 'zod';
import type { AccessGrant } from '../access/site-access';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { readValidatedBody } from '../http/validated-body';
import { effectiveRetention, MAX_RETENTION_DAYS, retentionCutoff } from './retention-policy';
import { catalogOf, lifecycleOf } from '../stubs';

const retentionBodySchema = z
  .object({
    /** null: drop the override and use the configured value again. */
    retentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable(),
    confirm: z.boolean().optional(),
  })
  .strict();

/** GET /v1/sites/<site>/settings/retention */
export async function handleGetRetention(env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  return jsonResponse(await describeRetention(env, grant), 200, { ...headers, 'cache-control': 'no-store' });
}

/**
 * PUT /v1/sites/<site>/settings/retention with {"retentionDays": n | null}. Shortening it deletes
 * data within minutes, so that needs "confirm": true. Recorded in the audit log.
 */
export async function handlePutRetention(request: Request, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const body = await readValidatedBody(request, retentionBodySchema, `{"retentionDays": 1-${MAX_RETENTION_DAYS} | null, "confirm"?: true}`);
  const catalog = catalogOf(env, grant.site.id);
  const before = effectiveRetention(grant.site.retentionDays, await catalog.retentionOverride());
  const after = effectiveRetention(grant.site.retentionDays, body.retentionDays);
  if (after.retentionDays < before.retentionDays && body.confirm !== true) {
    const cutoff = retentionCutoff(Date.now(), after.retentionDays);
    throw new HttpError(
      409,
      'confirmation_required',
      `shortening retention from ${before.retentionDays} to ${after.retentionDays} days deletes every partition dated before ${cutoff} within minutes; repeat with "confirm": true`,
      { cutoff },
    );
  }
  await catalog.setRetentionOverride(body.retentionDays, {
    action: 'retention.update',
    actor: grant.tokenId,
    details: { from: before.retentionDays, to: after.retentionDays, source: after.source },
  });
  await lifecycleOf(env, grant.site.id).tick(grant.site.id);
  return jsonResponse(await describeRetention(env, grant), 200, { ...headers, 'cache-control': 'no-store' });
}

async function describeRetention(env: Env, grant: AccessGrant) {
  const policy = effectiveRetention(grant.site.retentionDays, await catalogOf(env, grant.site.id).retentionOverride());
  return { site: grant.site.id, ...policy, configuredDays: grant.site.retentionDays, oldestKeptDate: retentionCutoff(Date.now(), policy.retentionDays) };
}
