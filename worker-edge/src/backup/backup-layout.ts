import { manifestEntrySchema } from '@privacy-analytics/core/edge-api';
import { IMPORT_KINDS } from '@privacy-analytics/core/imports';
import { z } from 'zod';
import { catalogStateSchema } from './catalog-state';

/**
 * Where backups live in the BACKUPS bucket, per site:
 *   sites/<site>/objects/<key>            a copy of the events bucket's object <key> (events/…, rollups/…, imports/…/site=<site>/…)
 *   sites/<site>/snapshots/<id>.json      a snapshot: the manifest, every object with its ETag and size, the catalog state
 * Keys of the events bucket never change content (a rewrite gets a new key), so a copy is named after its key alone;
 * the source ETag kept in its metadata tells a stale copy (a flush retried with new bytes) from a current one.
 */
export function backupObjectKey(site: string, key: string): string {
  return `${sitePrefix(site)}objects/${key}`;
}

export function snapshotKey(site: string, id: string): string {
  return `${snapshotPrefix(site)}${id}.json`;
}

export function snapshotPrefix(site: string): string {
  return `${sitePrefix(site)}snapshots/`;
}

function sitePrefix(site: string): string {
  return `sites/${site}/`;
}

/**
 * The prefixes of the events bucket a site's backup copies: its event files and their rollups (listed by the manifest),
 * and its import objects, which no manifest entry names: `imports/<kind>/site=<site>/` for every import kind (today
 * the ad-spend tables, core/src/imports/import-files.ts) and `imports/site=<site>/`. Each kind is listed by its own
 * prefix (never all of `imports/`, which holds every site's).
 */
export function sourcePrefixes(site: string): { manifest: string[]; imports: string[] } {
  return { manifest: [`events/site=${site}/`, `rollups/site=${site}/`], imports: [...IMPORT_KINDS.map((kind) => `imports/${kind}/site=${site}/`), `imports/site=${site}/`] };
}

/** The partition date of an events/, rollups/ or imports/ key (ad-spend tables have one), null for others. */
export function dateOfKey(key: string): string | null {
  return /\/date=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1] ?? null;
}

/** Snapshot ids sort by time: `<UTC timestamp>-<kind>-<random>`, e.g. 20260703T021500Z-full-3f9a. */
export const SNAPSHOT_ID = /^\d{8}T\d{6}Z-(daily|full)-[0-9a-f]{4,16}$/;

export const snapshotObjectSchema = z.object({ key: z.string().max(1024), etag: z.string().max(200), bytes: z.number().int().min(0) });
export type SnapshotObject = z.infer<typeof snapshotObjectSchema>;

export const snapshotSchema = z.object({
  format: z.literal('privacy-analytics-snapshot'),
  version: z.literal(1),
  id: z.string().regex(SNAPSHOT_ID),
  site: z.string(),
  kind: z.enum(['daily', 'full']),
  takenAt: z.string(),
  /** the end of the latest finished erasure when the snapshot was taken (epoch ms); older snapshots are dropped after one */
  erasureMark: z.number(),
  /** the manifest at the snapshot, as one consistent listing */
  files: z.array(manifestEntrySchema),
  /** every object the snapshot restores: each file's event file and rollup, and the imports */
  objects: z.array(snapshotObjectSchema),
  catalog: catalogStateSchema,
  /** set when retention later removed expired dates from this snapshot */
  rewrittenAt: z.string().nullable(),
});
export type Snapshot = z.infer<typeof snapshotSchema>;
