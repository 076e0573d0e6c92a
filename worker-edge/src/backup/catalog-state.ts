import { z } from 'zod';

/**
 * The catalog state a snapshot carries beside the files: everything of SiteState and SiteLifecycle a restored site
 * needs to behave as before. Tokens are their SHA-256 hashes (never a token); the cookieless salts are left out on
 * purpose (a restored site starts new ones, so rows from before cannot be tied to anyone, as after 48 hours anyway).
 */
const tokenRowSchema = z.object({
  id: z.string().max(100),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  role: z.string().max(20),
  label: z.string().max(1000),
  created_at: z.number(),
  created_by: z.string().max(200),
  expires_at: z.number().nullable(),
  revoked_at: z.number().nullable(),
  revoked_by: z.string().max(200).nullable(),
  last_used_at: z.number().nullable(),
  replaced_by: z.string().max(100).nullable(),
});

const erasureRecordSchema = z.object({
  id: z.string().max(64),
  seeds: z.array(z.string().max(200)),
  via: z.enum(['userId', 'hashedId']),
  status: z.string().max(40),
  requestedBy: z.string().max(200),
  requestedAt: z.number(),
  finishedAt: z.number().nullable(),
  /** The whole stored row of a finished request (restored as is); null for one unfinished (requested again). */
  row: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).nullable(),
  ids: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))),
});

export const catalogStateSchema = z.object({
  tokens: z.array(tokenRowSchema),
  settings: z.array(z.object({ key: z.string().max(200), value: z.string().max(10_000) })),
  erasedIds: z.array(z.object({ hashed_id: z.string().max(200), request_id: z.string().max(64), added_at: z.number() })),
  retiredKeys: z.array(z.object({ key: z.string().max(1024), retired_at: z.number() })),
  audit: z.array(z.object({ at: z.number(), action: z.string().max(100), actor: z.string().max(200), details: z.string() })),
  erasures: z.array(erasureRecordSchema),
});

export type CatalogState = z.infer<typeof catalogStateSchema>;
export type SiteStateBackup = Omit<CatalogState, 'erasures'>;
export type ErasureRecord = z.infer<typeof erasureRecordSchema>;
