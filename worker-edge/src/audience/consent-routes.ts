import { consentPurpose, type ConsentUpdate } from '@privacy-analytics/core/ingest';
import { z } from 'zod';
import type { AccessGrant } from '../access/site-access';
import { readBody } from '../alerts/request-body';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import { hasherFor } from '../ingest/ingest-route';
import { audiencesOf, catalogOf } from '../stubs';
import { recordConsentEverywhere } from './analytics-consent';
import { CHANNEL_PATTERN, HASHED_ID_PATTERN, MAX_AUDIENCE_MEMBERS } from './audience-request';

const MAX_CONSENT_BODY_BYTES = 256 * 1024;
export const MAX_CONSENT_RECORDS_PER_REQUEST = 1000;

const recordSchema = z
  .object({
    userId: z.string().min(1, 'must not be empty').max(500, 'at most 500 characters').optional(),
    hashedId: z
      .string()
      .transform((id) => id.toLowerCase())
      .refine((id) => HASHED_ID_PATTERN.test(id), 'a hashed id is 32 hex characters')
      .optional(),
    purpose: z
      .string('required: "analytics", "marketing", "marketing:<channel>" or a short key such as "email"')
      .transform((key, ctx) => consentPurpose(key) ?? (ctx.addIssue({ code: 'custom', message: 'expected "analytics", "marketing", "marketing:<channel>" or a short key such as "email" (letters, digits, _ and -)' }), z.NEVER)),
    granted: z.boolean('required: true (given) or false (withdrawn)'),
    source: z.string('required: where the choice was made, e.g. "crm:signup-form"').min(1).max(100, 'at most 100 characters').regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters'),
    at: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 time' }).optional(),
  })
  .strict()
  .refine((r) => (r.userId === undefined) !== (r.hashedId === undefined), { message: 'exactly one of "userId" and "hashedId"', path: ['userId'] });

const bodySchema = z.union([recordSchema, z.object({ records: z.array(recordSchema).min(1, 'at least one record').max(MAX_CONSENT_RECORDS_PER_REQUEST, `at most ${MAX_CONSENT_RECORDS_PER_REQUEST} per request`) }).strict()]);

const BODY_HELP = '{"userId": "<id as sent by your app>" | "hashedId": "<32 hex>", "purpose": "marketing:email", "granted": false, "source": "crm", "at"?: "<ISO time>"} or {"records": [...]}';

/**
 * POST /v1/sites/<site>/consent (admin): consent choices made outside the tracked app (a CRM, a shop counter, a
 * customer service call). A raw `userId` is hashed here as the ingest hashes it, so the record lands on the same
 * pseudonym; only the pseudonym is stored. Audit action `consent.record` (counts and sources, never the ids).
 */
export async function handleRecordConsent(request: Request, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const body = await readBody(request, bodySchema, MAX_CONSENT_BODY_BYTES, 'invalid_consent', BODY_HELP);
  const records = 'records' in body ? body.records : [body];
  const site = grant.site;
  if (site.mode !== 'pseudonymous' && records.some((r) => r.userId !== undefined)) {
    throw new HttpError(409, 'cookieless_site', `site "${site.id}" is cookieless: its ids are hashed with a daily salt, so a userId names no lasting person; send "hashedId"`);
  }
  const now = Date.now();
  const hasher = await hasherFor(site, env, now);
  const updates: ConsentUpdate[] = await Promise.all(
    records.map(async (r) => ({
      person: r.hashedId ?? (await hasher.hashId(r.userId!)),
      purpose: r.purpose,
      granted: r.granted,
      at: r.at === undefined ? now : Date.parse(r.at),
      source: `api:${r.source}`,
    })),
  );
  await recordConsentEverywhere(env, site.id, updates);
  const granted = updates.filter((u) => u.granted).length;
  await catalogOf(env, site.id).appendAudit({
    action: 'consent.record',
    actor: grant.tokenId,
    details: { records: updates.length, granted, withdrawn: updates.length - granted, purposes: [...new Set(updates.map((u) => u.purpose))].slice(0, 20), sources: [...new Set(updates.map((u) => u.source))].slice(0, 20), tokenLabel: grant.label },
  });
  return jsonResponse({ site: site.id, recorded: updates.length, hashedIds: updates.map((u) => u.person) }, 201, { ...headers, 'cache-control': 'no-store' });
}

/** GET /v1/sites/<site>/consent?hashedId=<32 hex> | ?userId= (admin): a person's consent records and current state. */
export async function handleGetConsent(url: URL, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const hashedText = url.searchParams.get('hashedId');
  const userId = url.searchParams.get('userId');
  let hashedId: string;
  if (hashedText !== null) {
    hashedId = hashedText.toLowerCase();
    if (!HASHED_ID_PATTERN.test(hashedId)) throw new HttpError(400, 'invalid_parameter', `hashedId: expected 32 hex characters, got "${hashedText.slice(0, 40)}"`);
  } else if (userId !== null && userId !== '' && userId.length <= 500 && grant.site.mode === 'pseudonymous') {
    hashedId = await (await hasherFor(grant.site, env, Date.now())).hashId(userId);
  } else throw new HttpError(400, 'invalid_parameter', 'expected ?hashedId=<32 hex characters> (or ?userId= on a pseudonymous site)');
  const { records, current } = await audiencesOf(env, grant.site.id).consent(hashedId);
  return jsonResponse({ site: grant.site.id, hashedId, current, records }, 200, { ...headers, 'cache-control': 'no-store' });
}

const consentCheckSchema = z
  .object({
    channel: z.string('required: the marketing channel, e.g. "email"').regex(CHANNEL_PATTERN, 'a channel name: lower-case letters, digits, _ and -'),
    ids: z
      .array(
        z
          .string()
          .transform((id) => id.toLowerCase())
          .refine((id) => HASHED_ID_PATTERN.test(id), 'expected a hashed id of 32 hex characters'),
      )
      .min(1, 'at least one id')
      .max(MAX_AUDIENCE_MEMBERS, `at most ${MAX_AUDIENCE_MEMBERS}`),
  })
  .strict();

/**
 * POST /v1/sites/<site>/audiences/consent (analyst): which of these pseudonyms may get marketing on `channel` now, so
 * that a CSV export for a campaign tool leaves out the others as a webhook delivery does. Answers the granted ids only.
 */
export async function handleConsentCheck(request: Request, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const body = await readBody(request, consentCheckSchema, 4 * 1024 * 1024, 'invalid_consent_check', '{"channel": "email", "ids": ["<32 hex>", …]}');
  const state = await audiencesOf(env, grant.site.id).marketingConsent(body.ids, body.channel);
  const granted = body.ids.filter((id) => state[id] === 'granted');
  return jsonResponse({ site: grant.site.id, channel: body.channel, purpose: `marketing:${body.channel}`, checked: body.ids.length, granted }, 200, { ...headers, 'cache-control': 'no-store' });
}
