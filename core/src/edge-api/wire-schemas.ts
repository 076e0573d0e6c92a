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
  /**
   * What the rows are: live events, or event rows of an import (orders, customers: docs/imports.md). Absent from edges
   * before imports; every kind has the event columns, so a reader that ignores it loads them all into `events`.
   */
  kind: z.enum(['events', 'import:orders', 'import:customers']).optional(),
});
export type ManifestEntry = z.infer<typeof manifestEntrySchema>;

/** Where the edge writes an imported ad-spend table: imports/ad_spend/site=<site>/date=<YYYY-MM-DD>/<import id>.parquet */
export const AD_SPEND_FILE_KEY = /^imports\/ad_spend\/site=[a-z0-9][a-z0-9_-]{0,62}\/date=\d{4}-\d{2}-\d{2}\/[A-Za-z0-9_-]{1,64}\.parquet$/;

/** An imported table that is not events (ad-spend reports, core/src/imports/ad-spend.ts), as the manifest lists it. */
export const importTableEntrySchema = z.object({
  kind: z.literal('import:ad_spend'),
  key: z.string().max(512).regex(AD_SPEND_FILE_KEY, 'expected imports/ad_spend/site=…/date=…/<id>.parquet'),
  importId: z.string().max(64),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  bytes: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  etag: z.string().max(256),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
});
export type ImportTableEntry = z.infer<typeof importTableEntrySchema>;

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
  /** Imported tables that are not events (ad spend) of the range, on the first page only; absent before imports. */
  tables: z.array(importTableEntrySchema).max(100_000).optional(),
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
  tables: z.array(importTableEntrySchema.extend({ path: z.string().startsWith('/v1/sites/') })).max(100_000).optional(),
  exportedBy: z.string(),
  generatedAt: z.string(),
});
export type ExportListing = z.infer<typeof exportListingSchema>;
export type ExportFile = ExportListing['files'][number];

/** One row the import refused: its line in the file (1-based, the header is line 1), the field and why. */
export const importRejectionSchema = z.object({ line: z.number().int(), field: z.string(), reason: z.string() });
export type ImportRejection = z.infer<typeof importRejectionSchema>;

/** An import as POST/GET /v1/sites/<site>/imports[/<id>] describe it. */
export const importRecordSchema = z.object({
  id: z.string(),
  kind: z.enum(['orders', 'customers', 'ad_spend']),
  status: z.enum(['active', 'withdrawn']),
  sha256: z.string(),
  mapping: z.record(z.string(), z.string()),
  /** data rows in the file (header excluded), rows accepted and rows rejected (distinct lines) */
  rows: z.object({ total: z.number().int(), accepted: z.number().int(), rejected: z.number().int() }),
  /** what was stored: event rows (orders: one per order) or ad-spend rows */
  stored: z.number().int(),
  files: z.number().int(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  withdrawnAt: z.string().nullable(),
  withdrawnBy: z.string().nullable(),
});
export type ImportRecord = z.infer<typeof importRecordSchema>;

/** POST /v1/sites/<site>/imports: the import (201, or 200 with `repeated` for an upload seen before) and its rejections. */
export const importAnswerSchema = z.object({
  import: importRecordSchema,
  repeated: z.boolean(),
  /** the first rejections (all of them: GET …/imports/<id>/report) */
  rejected: z.array(importRejectionSchema),
  report: z.string(),
});
export type ImportAnswer = z.infer<typeof importAnswerSchema>;

/**
 * POST /v1/sites/<site>/imports?dryRun=true (200): what the import would store, validated like a real one but
 * writing nothing. `repeated`: this exact file was imported before (committing it again is a no-op). A file the
 * import would refuse answers the same 4xx as the real import.
 */
export const importDryRunSchema = z.object({
  dryRun: z.literal(true),
  import: importRecordSchema.pick({ id: true, kind: true, sha256: true, mapping: true, rows: true, stored: true, files: true, from: true, to: true }),
  repeated: z.boolean(),
  /** the file's columns, as the import read them */
  columns: z.array(z.string()).max(10_000),
  rejected: z.array(importRejectionSchema),
});
export type ImportDryRun = z.infer<typeof importDryRunSchema>;
