import { z } from 'zod';
import type { AccessGrant } from '../access/site-access';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { readValidatedBody } from '../http/validated-body';
import { effectiveRetention, MAX_RETENTION_DAYS, retentionCutoff, retentionFloor } from './retention-policy';
import { catalogOf, lifecycleOf } from '../stubs';

const retentionBodySchema = z
  .object({
    /** null: drop the override and use the configured value again. */
    retentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable(),
    confirm: z.boolean().optional(),
    /** Required (with a reason) to go below the site's retention floor. */
    override: z.boolean().optional(),
    reason: z.string().trim().min(1).max(500).regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters').optional(),
  })
  .strict();

const BODY_SHAPE = `{"retentionDays": 1-${MAX_RETENTION_DAYS} | null, "confirm"?: true, "override"?: true, "reason"?: "why, when going below the floor"}`;

/** GET /v1/sites/<site>/settings/retention */
export async function handleGetRetention(env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  return jsonResponse(await describeRetention(env, grant), 200, { ...headers, 'cache-control': 'no-store' });
}

/**
 * PUT /v1/sites/<site>/settings/retention with {"retentionDays": n | null}. Shortening it deletes
 * data within minutes, so that needs "confirm": true; shortening it below the site's floor also needs
 * "override": true and a "reason" (audited as retention.override). Recorded in the audit log.
 */
export async function handlePutRetention(request: Request, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const body = await readValidatedBody(request, retentionBodySchema, BODY_SHAPE);
  const catalog = catalogOf(env, grant.site.id);
  const before = effectiveRetention(grant.site.retentionDays, await catalog.retentionOverride());
  const after = effectiveRetention(grant.site.retentionDays, body.retentionDays);
  const floorDays = retentionFloor(grant.site);
  const belowFloor = after.retentionDays < floorDays && after.retentionDays < before.retentionDays;
  if (belowFloor && body.override !== true) {
    throw new HttpError(
      409,
      'below_retention_floor',
      `${after.retentionDays} days is below this site's retention floor of ${floorDays} days (records are kept at least that long); to go below it anyway, repeat with "override": true and a "reason"`,
      { floorDays },
    );
  }
  if (belowFloor && body.reason === undefined) {
    throw new HttpError(400, 'override_reason_required', `going below the retention floor of ${floorDays} days needs a "reason" (recorded in the audit log)`, { floorDays });
  }
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
    action: belowFloor ? 'retention.override' : 'retention.update',
    actor: grant.tokenId,
    details: {
      from: before.retentionDays,
      to: after.retentionDays,
      source: after.source,
      floorDays,
      ...(belowFloor ? { override: true } : {}),
      ...(body.reason === undefined ? {} : { reason: body.reason }),
    },
  });
  await lifecycleOf(env, grant.site.id).tick(grant.site.id);
  return jsonResponse(await describeRetention(env, grant), 200, { ...headers, 'cache-control': 'no-store' });
}

async function describeRetention(env: Env, grant: AccessGrant) {
  const policy = effectiveRetention(grant.site.retentionDays, await catalogOf(env, grant.site.id).retentionOverride());
  const floorDays = retentionFloor(grant.site);
  return {
    site: grant.site.id,
    ...policy,
    configuredDays: grant.site.retentionDays ?? null,
    floorDays,
    belowFloor: policy.retentionDays < floorDays,
    oldestKeptDate: retentionCutoff(Date.now(), policy.retentionDays),
  };
}
