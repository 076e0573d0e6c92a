/**
 * The edge's read API on the wire: what GET /v1/sites/<site>/manifest and /export answer. The edge checks its answers
 * against these types (`satisfies`), and every client (dashboard, CLI, harnesses) parses answers with these schemas,
 * so the two sides cannot drift apart.
 */
import { z } from 'zod';

/** Where the edge writes event files: events/site=<site>/date=<YYYY-MM-DD>/[hour=<HH>/]<name>.parquet */
export const EVENT_FILE_KEY = /^events\/site=[a-z0-9][a-z0-9_-]{0,62}\/date=\d{4}-\d{2}-\d{2}\/(?:hour=\d{2}\/)?[A-Za-z0-9._-]{1,128}\.parquet$/;

/** Where the edge writes the rollup of an event file: the event file's key with `rollups/` for `events/`. */
export const ROLLUP_FILE_KEY = /^rollups\/site=[a-z0-9][a-z0-9_-]{0,62}\/date=\d{4}-\d{2}-\d{2}\/(?:hour=\d{2}\/)?[A-Za-z0-9._-]{1,128}\.parquet$/;

/** The rollup file written with an event file (core/src/rollups): small aggregates of the same rows. */
export const rollupEntrySchema = z.object({
  key: z.string().max(512).regex(ROLLUP_FILE_KEY, 'expected a rollup file key rollups/site=…/date=…/….parquet'),
  bytes: z.number().int().nonnegative(),
  etag: z.string().max(256),
});
export type RollupEntry = z.infer<typeof rollupEntrySchema>;

/** One Parquet file as the manifest lists it. */
export const manifestEntrySchema = z.object({
  key: z.string().max(512).regex(EVENT_FILE_KEY, 'expected an event file key events/site=…/date=…/….parquet'),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** The hour partition; null for a compacted file that spans its whole date (a day-level key). */
  hour: z.number().int().min(0).max(23).nullable(),
  bytes: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  minTime: z.string(),
  maxTime: z.string(),
  etag: z.string().max(256),
  /**
   * SHA-256 of the object bytes (hex), verified by R2 on upload. The edge always lists it (null for files written
   * before checksums); optional so that stand-ins (benchmarks) may omit it.
   */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable().optional(),
  createdAt: z.string(),
  /** Its rollup; absent for files written before the edge wrote rollups (readers then need the rows). */
  rollup: rollupEntrySchema.optional(),
});
export type ManifestEntry = z.infer<typeof manifestEntrySchema>;

const totalsSchema = z.object({ files: z.number().int().nonnegative(), rows: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() });
const dateOrNull = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable();

/**
 * The next page of a listing: pass it back as `cursor` (with the same from and to). Null on the last page. Optional
 * on the wire so that stand-in edges (benchmarks) and edges from before paging read as one page.
 */
const nextCursor = z.string().max(2048).nullable().optional();

/**
 * GET /v1/sites/<site>/manifest?from=&to=&limit=&cursor=: a page of files (5,000 unless `limit` says otherwise);
 * `totals` are the whole range's, as at the first page.
 */
export const manifestResponseSchema = z.object({
  site: z.string(),
  schemaVersion: z.number().int(),
  columns: z.array(z.object({ name: z.string(), kind: z.string() })),
  from: dateOrNull,
  to: dateOrNull,
  files: z.array(manifestEntrySchema).max(1_000_000),
  totals: totalsSchema,
  nextCursor,
  generatedAt: z.string(),
});
export type ManifestResponse = z.infer<typeof manifestResponseSchema>;

/** GET /v1/sites/<site>/export?from=&to=&limit=&cursor= (analyst): the manifest's files with their download paths and checksums, paged as the manifest. */
export const exportListingSchema = z.object({
  site: z.string(),
  schemaVersion: z.number().int(),
  columns: z.array(z.object({ name: z.string(), kind: z.string(), nullable: z.boolean(), doc: z.string() })),
  from: dateOrNull,
  to: dateOrNull,
  files: z.array(manifestEntrySchema.extend({ sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(), path: z.string().startsWith('/v1/sites/') })).max(1_000_000),
  totals: totalsSchema,
  nextCursor,
  exportedBy: z.string(),
  generatedAt: z.string(),
});
export type ExportListing = z.infer<typeof exportListingSchema>;
export type ExportFile = ExportListing['files'][number];
