import { z } from 'zod';

/** Segment HTTP Tracking API message shapes, as sent by Segment and RudderStack SDKs. */
export const MESSAGE_TYPES = ['track', 'page', 'screen', 'identify', 'alias', 'group'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_REQUEST_BYTES = 500 * 1024;
export const MAX_BATCH_MESSAGES = 2500;

/** Containers on the path from a message's root to its deepest value; deeper messages are rejected before anything recursive reads them. */
export const MAX_NESTING_DEPTH = 64;
/** The largest distance from 1970 a JavaScript Date can hold (ms). */
export const MAX_DATE_MS = 8.64e15;

const id = z.union([z.string().max(256), z.number().finite().transform(String)]);
const isoTime = z
  .union([z.string().max(64), z.number().finite()])
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : Date.parse(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `not an ISO-8601 time: "${String(value).slice(0, 64)}"` });
      return z.NEVER;
    }
    if (Math.abs(ms) > MAX_DATE_MS) {
      // Date cannot hold it: most often a nanosecond or microsecond epoch number.
      ctx.addIssue({ code: 'custom', message: `${String(value).slice(0, 40)} is out of range: expected milliseconds since 1970 (within ±8.64e15) or ISO 8601` });
      return z.NEVER;
    }
    return ms;
  });
const jsonObject = z.record(z.string(), z.unknown());

const pageContext = z.looseObject({
  path: z.string().max(4096).optional(),
  url: z.string().max(8192).optional(),
  referrer: z.string().max(8192).optional(),
  title: z.string().max(2048).optional(),
  search: z.string().max(8192).optional(),
});

const contextSchema = z.looseObject({
  userAgent: z.string().max(1024).optional(),
  ip: z.string().max(64).optional(),
  locale: z.string().max(64).optional(),
  sessionId: id.optional(),
  page: pageContext.optional(),
  campaign: z
    .looseObject({
      source: z.string().max(512).optional(),
      medium: z.string().max(512).optional(),
      name: z.string().max(512).optional(),
      term: z.string().max(512).optional(),
      content: z.string().max(512).optional(),
    })
    .optional(),
  library: z.looseObject({ name: z.string().max(128).optional(), version: z.string().max(64).optional() }).optional(),
  location: z.looseObject({ country: z.string().max(64).optional(), region: z.string().max(128).optional() }).optional(),
});

const common = {
  messageId: id.optional(),
  anonymousId: id.optional(),
  userId: id.optional(),
  timestamp: isoTime.optional(),
  originalTimestamp: isoTime.optional(),
  sentAt: isoTime.optional(),
  context: contextSchema.optional(),
  integrations: jsonObject.optional(),
};

export const segmentMessageSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('track'), event: z.string().min(1).max(256), properties: jsonObject.optional(), ...common }),
  z.looseObject({ type: z.literal('page'), name: z.string().max(256).optional(), category: z.string().max(256).optional(), properties: jsonObject.optional(), ...common }),
  z.looseObject({ type: z.literal('screen'), name: z.string().max(256).optional(), properties: jsonObject.optional(), ...common }),
  z.looseObject({ type: z.literal('identify'), traits: jsonObject.optional(), ...common }),
  z.looseObject({ type: z.literal('alias'), previousId: id, ...common }),
  z.looseObject({ type: z.literal('group'), groupId: id, traits: jsonObject.optional(), ...common }),
]);

export type SegmentMessage = z.infer<typeof segmentMessageSchema>;

export const batchEnvelopeSchema = z.looseObject({
  batch: z.array(z.unknown()).max(MAX_BATCH_MESSAGES, `a batch holds at most ${MAX_BATCH_MESSAGES} messages`),
  sentAt: isoTime.optional(),
  writeKey: z.string().max(200).optional(),
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
});

/** One readable line from a validation error: "properties: expected object, received string". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
