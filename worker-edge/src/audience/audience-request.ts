import { MAX_HOLDOUT_SHARE } from '@privacy-analytics/core/edge-api';
import { z } from 'zod';

/**
 * What the dashboard may send for an audience: hashed ids only. The one documented id form is the
 * edge's pseudonym, 32 hex characters (the value of the user_id / anonymous_id columns); e-mail
 * addresses, raw user ids or anything else are refused, and members carry no field beyond
 * id, channel and score.
 */
export const HASHED_ID_PATTERN = /^[0-9a-f]{32}$/;
export const MAX_AUDIENCE_MEMBERS = 50_000;

const nameSchema = z.string('required: a name for the audience').trim().min(1, 'must not be empty').max(100, 'at most 100 characters').regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters');

const sourceSchema = z
  .string('required: "segment:<name>" or "model:<name>"')
  .max(120, 'at most 120 characters')
  .regex(/^(segment|model):[^\u0000-\u001f\u007f]{1,100}$/, 'expected "segment:<name>" or "model:<name>"');

/** A token of the `$ids` property (core/src/ingest/contact-keys.ts): the kind and the keyed hash of the address. */
export const ADDRESS_KEY_PATTERN = /^(email|phone|member|device):[0-9a-f]{16,64}$/;
export const MAX_ITEMS_PER_MEMBER = 20;
export const MAX_DRIVERS_PER_MEMBER = 10;
export const AUDIENCE_PAYLOADS = ['basic', 'recommendations', 'risk'] as const;
export type AudiencePayload = (typeof AUDIENCE_PAYLOADS)[number];
/** The destination channel of a marketing audience; its members need consent for `marketing:<channel>`. */
export const CHANNEL_PATTERN = /^[a-z0-9_-]{1,40}$/;

const itemSchema = z
  .object({
    item: z.string('required: the item id').min(1, 'must not be empty').max(100, 'at most 100 characters').regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters'),
    score: z.number('must be a number').refine(Number.isFinite, 'must be finite'),
    reason: z.string().max(200, 'at most 200 characters').regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters').optional(),
  })
  .strict();

/** Why a model scored the member as it did (models/train/classifier/explain.ts): a feature, its value, its logit contribution. */
const driverSchema = z
  .object({
    feature: z.string('required: the feature name').min(1, 'must not be empty').max(100, 'at most 100 characters').regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters'),
    value: z.number('must be a number').refine(Number.isFinite, 'must be finite'),
    contribution: z.number('must be a number').refine(Number.isFinite, 'must be finite'),
  })
  .strict();

const memberSchema = z
  .object({
    id: z
      .string('required: the hashed id')
      .transform((id) => id.toLowerCase())
      .refine((id) => HASHED_ID_PATTERN.test(id), 'expected a hashed id of 32 hex characters (the pseudonym in the user_id / anonymous_id columns), not a raw identifier'),
    channel: z.string().min(1, 'must not be empty').max(64, 'at most 64 characters').regex(/^[A-Za-z0-9 _.:/-]+$/, 'letters, digits, space and _ . : / - only').optional(),
    score: z.number('must be a number').refine(Number.isFinite, 'must be finite').optional(),
    address: z
      .string()
      .regex(ADDRESS_KEY_PATTERN, 'expected a hashed contact key "<email|phone|member|device>:<hex hash>" (a token of the $ids property), never a raw address')
      .optional(),
    items: z.array(itemSchema, 'expected an array of {"item", "score", "reason"?}').max(MAX_ITEMS_PER_MEMBER, `at most ${MAX_ITEMS_PER_MEMBER} items`).optional(),
    drivers: z.array(driverSchema, 'expected an array of {"feature", "value", "contribution"}').max(MAX_DRIVERS_PER_MEMBER, `at most ${MAX_DRIVERS_PER_MEMBER} drivers`).optional(),
    lastOrderAt: z
      .union([z.iso.datetime({ offset: true, message: 'expected an ISO 8601 time' }), z.number().int().min(0)])
      .transform((value) => (typeof value === 'number' ? value : Date.parse(value)))
      .optional(),
  })
  .strict();

export type AudienceMember = z.infer<typeof memberSchema>;

export const deliveryBodySchema = z
  .object({
    name: nameSchema,
    source: sourceSchema,
    webhookUrl: z.string().max(2048, 'at most 2048 characters').optional(),
    audienceId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and -, at most 64').optional(),
    channel: z.string().regex(CHANNEL_PATTERN, 'a channel name: lower-case letters, digits, _ and - (email, sms, push, ...)').optional(),
    payload: z.enum(AUDIENCE_PAYLOADS, 'expected "basic", "recommendations" or "risk"').optional(),
    frequencyCap: z
      .object({ max: z.number().int().min(0).max(100), windowDays: z.number().int().min(1).max(90) })
      .strict()
      .nullable()
      .optional(),
    purchaseQuietDays: z.number().int().min(0).max(90).optional(),
    holdout: z.number('a share between 0 and 0.5').min(0, 'at least 0').max(MAX_HOLDOUT_SHARE, `at most ${MAX_HOLDOUT_SHARE}`).optional(),
    members: z.array(memberSchema, 'required: an array of {"id", "channel"?, "score"?}').min(1, 'at least one member').max(MAX_AUDIENCE_MEMBERS, `at most ${MAX_AUDIENCE_MEMBERS} per delivery; split larger audiences`),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.payload === 'recommendations' && !body.members.some((m) => m.items !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['payload'], message: '"recommendations" needs items on the members' });
    }
    if (body.payload === 'risk' && !body.members.some((m) => m.score !== undefined && m.drivers !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['payload'], message: '"risk" needs a score and drivers on the members' });
    }
    if (body.channel === undefined && (body.frequencyCap || body.purchaseQuietDays !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['channel'], message: 'frequency caps and purchase suppression apply to a marketing channel: set "channel"' });
    }
    const seen = new Map<string, number>();
    body.members.forEach((member, index) => {
      const first = seen.get(member.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['members', index, 'id'], message: `repeats members[${first}].id` });
      else seen.set(member.id, index);
    });
  });

export type DeliveryBody = z.infer<typeof deliveryBodySchema>;

export const DELIVERY_BODY_HELP =
  '{"name": "…", "source": "segment:<name>" | "model:<name>", "webhookUrl"?: "<one of the site\'s audienceWebhookUrls>", "audienceId"?: "…", "channel"?: "email" | "sms" | "push" | …, "payload"?: "basic" | "recommendations" | "risk", "frequencyCap"?: {"max", "windowDays"} | null, "purchaseQuietDays"?: n, "holdout"?: 0…0.5, "members": [{"id": "<32 hex>", "address"?: "email:<hash>", "channel"?: "…", "score"?: number, "items"?: [{"item", "score", "reason"?}], "drivers"?: [{"feature", "value", "contribution"}], "lastOrderAt"?: "<ISO time>"}]}';

export const csvExportBodySchema = z
  .object({
    name: nameSchema,
    source: sourceSchema,
    count: z.number('required: how many members the file holds').int('must be a whole number').min(0, 'at least 0').max(10_000_000, 'at most 10000000'),
    format: z.literal('csv', 'expected "csv"'),
  })
  .strict();

export type CsvExportBody = z.infer<typeof csvExportBodySchema>;

export const CSV_EXPORT_BODY_HELP = '{"name": "…", "source": "segment:<name>" | "model:<name>", "count": n, "format": "csv"}';
