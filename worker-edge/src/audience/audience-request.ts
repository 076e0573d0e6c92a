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

const memberSchema = z
  .object({
    id: z
      .string('required: the hashed id')
      .transform((id) => id.toLowerCase())
      .refine((id) => HASHED_ID_PATTERN.test(id), 'expected a hashed id of 32 hex characters (the pseudonym in the user_id / anonymous_id columns), not a raw identifier'),
    channel: z.string().min(1, 'must not be empty').max(64, 'at most 64 characters').regex(/^[A-Za-z0-9 _.:/-]+$/, 'letters, digits, space and _ . : / - only').optional(),
    score: z.number('must be a number').refine(Number.isFinite, 'must be finite').optional(),
  })
  .strict();

export type AudienceMember = z.infer<typeof memberSchema>;

export const deliveryBodySchema = z
  .object({
    name: nameSchema,
    source: sourceSchema,
    webhookUrl: z.string().max(2048, 'at most 2048 characters').optional(),
    members: z.array(memberSchema, 'required: an array of {"id", "channel"?, "score"?}').min(1, 'at least one member').max(MAX_AUDIENCE_MEMBERS, `at most ${MAX_AUDIENCE_MEMBERS} per delivery; split larger audiences`),
  })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Map<string, number>();
    body.members.forEach((member, index) => {
      const first = seen.get(member.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['members', index, 'id'], message: `repeats members[${first}].id` });
      else seen.set(member.id, index);
    });
  });

export type DeliveryBody = z.infer<typeof deliveryBodySchema>;

export const DELIVERY_BODY_HELP = '{"name": "…", "source": "segment:<name>" | "model:<name>", "webhookUrl"?: "<one of the site\'s audienceWebhookUrls>", "members": [{"id": "<32 hex>", "channel"?: "…", "score"?: number}]}';

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
