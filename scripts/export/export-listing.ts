import { z } from 'zod';

/** The answer of GET /v1/sites/<site>/export (worker-edge/src/lifecycle/export-route.ts), checked before use. */
const fileSchema = z.object({
  key: z.string().regex(/^events\/site=[a-z0-9][a-z0-9_-]{0,62}\/date=\d{4}-\d{2}-\d{2}\/(?:hour=\d{2}\/)?[A-Za-z0-9._-]{1,128}\.parquet$/),
  date: z.string(),
  hour: z.number().int().min(0).max(23).nullable(),
  bytes: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  minTime: z.string(),
  maxTime: z.string(),
  etag: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  createdAt: z.string(),
  path: z.string().startsWith('/v1/sites/'),
});

export const exportListingSchema = z.object({
  site: z.string(),
  schemaVersion: z.number().int(),
  columns: z.array(z.object({ name: z.string(), kind: z.string(), nullable: z.boolean(), doc: z.string() })),
  files: z.array(fileSchema).max(1_000_000),
  totals: z.object({ files: z.number(), rows: z.number(), bytes: z.number() }),
  generatedAt: z.string(),
});

export type ExportListing = z.infer<typeof exportListingSchema>;
export type ExportFile = ExportListing['files'][number];
