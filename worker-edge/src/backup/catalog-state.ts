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

/**
 * The import records of SiteState (worker-edge/src/imports/import-store.ts), row for row: each import, its rejected rows
 * (scrubbed: line, field ≤ 200, reason ≤ 500 characters), the order ids it brought (so that a re-import after a restore
 * is still refused as a duplicate; order ids, never a person's id) and its ad-spend tables (the manifest's `tables`).
 * The bounds are those the import routes write, with room to spare: a stored row never fails the snapshot's check.
 */
const importRowSchema = z.object({
  id: z.string().max(64),
  kind: z.enum(['orders', 'customers', 'ad_spend']),
  status: z.enum(['active', 'withdrawn']),
  sha256: z.string().max(64),
  mapping: z.string().max(100_000),
  rows_total: z.number().int().min(0),
  rows_accepted: z.number().int().min(0),
  rows_rejected: z.number().int().min(0),
  stored: z.number().int().min(0),
  files: z.number().int().min(0),
  from_date: z.string().max(10).nullable(),
  to_date: z.string().max(10).nullable(),
  created_at: z.number(),
  created_by: z.string().max(200),
  withdrawn_at: z.number().nullable(),
  withdrawn_by: z.string().max(200).nullable(),
});

const importsStateSchema = z.object({
  imports: z.array(importRowSchema),
  rejections: z.array(z.object({ import_id: z.string().max(64), seq: z.number().int().min(0), line: z.number().int(), field: z.string().max(1000), reason: z.string().max(2000) })),
  orders: z.array(z.object({ order_id: z.string().max(10_000), import_id: z.string().max(64) })),
  tables: z.array(
    z.object({
      key: z.string().max(1024),
      import_id: z.string().max(64),
      kind: z.string().max(40),
      date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      bytes: z.number().int().min(0),
      rows: z.number().int().min(0),
      etag: z.string().max(200),
      sha256: z.string().max(64),
      created_at: z.number(),
    }),
  ),
});
export type ImportsState = z.infer<typeof importsStateSchema>;
export const noImports = (): ImportsState => ({ imports: [], rejections: [], orders: [], tables: [] });

export const catalogStateSchema = z.object({
  tokens: z.array(tokenRowSchema),
  settings: z.array(z.object({ key: z.string().max(200), value: z.string().max(10_000) })),
  erasedIds: z.array(z.object({ hashed_id: z.string().max(200), request_id: z.string().max(64), added_at: z.number() })),
  retiredKeys: z.array(z.object({ key: z.string().max(1024), retired_at: z.number() })),
  audit: z.array(z.object({ at: z.number(), action: z.string().max(100), actor: z.string().max(200), details: z.string() })),
  erasures: z.array(erasureRecordSchema),
  /** absent from snapshots taken before imports were backed up: restored as none */
  imports: importsStateSchema.default(noImports),
});

export type CatalogState = z.infer<typeof catalogStateSchema>;
export type SiteStateBackup = Omit<CatalogState, 'erasures'>;
export type ErasureRecord = z.infer<typeof erasureRecordSchema>;
