import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { importOfEventKey, parseAdSpendTableKey } from '@privacy-analytics/core/imports';
import { toHex } from '@privacy-analytics/core/privacy';
import { loadSitesConfig } from '../config/sites';
import type { Env } from '../env';
import { effectiveRetention, retentionCutoff } from '../lifecycle/retention-policy';
import type { SiteLifecycle } from '../lifecycle/site-lifecycle';
import type { ListingPosition } from '../storage/file-manifest';
import type { SiteState } from '../storage/site-state';
import type { CatalogState } from './catalog-state';
import { backupObjectKey, dateOfKey, snapshotKey, sourcePrefixes, type Snapshot, type SnapshotObject } from './backup-layout';
import { dropSnapshotRow, getMeta, listSnapshotRows, setMeta, unreferencedObjects } from './backup-store';

/** Manifest files per step (each up to two objects, each copied with a GET and a PUT). */
export const FILES_PER_STEP = 50;
const IMPORTS_PER_STEP = 100;
const DELETES_PER_STEP = 1000;
/** A full run every FULL_EVERY_DAYS; snapshots kept: daily ones KEEP_DAILY_DAYS, full ones KEEP_FULL_DAYS. */
export const FULL_EVERY_DAYS = 7;
export const KEEP_DAILY_DAYS = 7;
export const KEEP_FULL_DAYS = 35;
const DAY_MS = 86_400_000;
/** A listing restarted this often in one run (compaction and erasure kept replacing files under it) fails the step. */
const MAX_LISTING_RESTARTS = 50;

export interface BackupContext {
  site: string;
  env: Env;
  sql: SqlStorage;
  storage: DurableObjectStorage;
  catalog: DurableObjectStub<SiteState>;
  lifecycle: DurableObjectStub<SiteLifecycle>;
  now(): number;
}

export type RunKind = 'daily' | 'full';

export interface RunStats {
  filesListed: number;
  objectsCopied: number;
  bytesCopied: number;
  objectsKept: number;
  objectsVerified: number;
  listingRestarts: number;
  snapshotsDropped: { erasure: number; expired: number };
  snapshotsRewritten: number;
  objectsDeleted: number;
}

export interface BackupRun {
  id: string;
  kind: RunKind;
  reason: string;
  startedAt: number;
  erasureMark: number;
  phase: 'list' | 'imports' | 'write' | 'prune' | 'collect';
  position: ListingPosition | null;
  importsCursor: string | null;
  /** which of sourcePrefixes(site).imports the imports phase lists (absent in runs stored before: 0) */
  importsPrefix?: number;
  stats: RunStats;
  attempts: number;
  nextAttemptAt: number;
  error: string | null;
}

export interface FinishedRun extends Omit<BackupRun, 'phase' | 'position' | 'importsCursor' | 'importsPrefix' | 'nextAttemptAt'> {
  status: 'done' | 'failed';
  finishedAt: number;
  snapshotId: string | null;
}

export function newRun(kind: RunKind, reason: string, now: number, erasureMark: number): BackupRun {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return {
    id: `${stamp}-${kind}-${toHex(crypto.getRandomValues(new Uint8Array(4)))}`,
    kind,
    reason,
    startedAt: now,
    erasureMark,
    phase: 'list',
    position: null,
    importsCursor: null,
    importsPrefix: 0,
    stats: { filesListed: 0, objectsCopied: 0, bytesCopied: 0, objectsKept: 0, objectsVerified: 0, listingRestarts: 0, snapshotsDropped: { erasure: 0, expired: 0 }, snapshotsRewritten: 0, objectsDeleted: 0 },
    attempts: 0,
    nextAttemptAt: 0,
    error: null,
  };
}

/** The kind of the run due at `now`: full when the last full snapshot is FULL_EVERY_DAYS old (or there is none). */
export function kindDue(sql: SqlStorage, now: number): RunKind {
  const lastFull = getMeta<number>(sql, 'last_full_at');
  return lastFull === null || now - lastFull >= FULL_EVERY_DAYS * DAY_MS - 60 * 60_000 ? 'full' : 'daily';
}

/** The latest end of a finished erasure, as far as this object has ever seen (a restore keeps it). */
export async function currentErasureMark(ctx: BackupContext): Promise<number> {
  const seen = getMeta<number>(ctx.sql, 'erasure_mark') ?? 0;
  const mark = Math.max(seen, await ctx.lifecycle.erasureMark());
  if (mark !== seen) setMeta(ctx.sql, 'erasure_mark', mark);
  return mark;
}

/** One bounded step of the run; returns the run as it stands after it, or a finished run. */
export async function runBackupStep(ctx: BackupContext, run: BackupRun): Promise<BackupRun | FinishedRun> {
  switch (run.phase) {
    case 'list':
      return listStep(ctx, run);
    case 'imports':
      return importsStep(ctx, run);
    case 'write':
      return writeStep(ctx, run);
    case 'prune':
      return pruneStep(ctx, run);
    case 'collect':
      return collectStep(ctx, run);
  }
}

/** A page of the manifest: each file's event file and rollup copied unless the backup holds that key at that ETag. */
async function listStep(ctx: BackupContext, run: BackupRun): Promise<BackupRun> {
  const page = await ctx.catalog.manifestPage(undefined, undefined, FILES_PER_STEP, run.position);
  if ('changed' in page) {
    // Compaction or an erasure replaced files behind the listing: start it again (copies made so far are kept).
    if (run.stats.listingRestarts >= MAX_LISTING_RESTARTS) throw new Error(`the manifest kept changing under the listing (${page.changed})`);
    ctx.storage.transactionSync(() => ctx.sql.exec(`DELETE FROM run_files; DELETE FROM run_objects;`));
    return { ...run, position: null, stats: { ...run.stats, listingRestarts: run.stats.listingRestarts + 1 } };
  }
  const stats = { ...run.stats };
  for (const file of page.files) {
    const objects: SnapshotObject[] = [{ key: file.key, etag: file.etag, bytes: file.bytes }];
    if (file.rollup) objects.push({ key: file.rollup.key, etag: file.rollup.etag, bytes: file.rollup.bytes });
    for (const object of objects) await ensureCopied(ctx, object, run.kind === 'full', stats);
    ctx.sql.exec(`INSERT OR REPLACE INTO run_files (key, entry) VALUES (?, ?)`, file.key, JSON.stringify(file));
    stats.filesListed++;
  }
  return { ...run, position: page.next, phase: page.next ? 'list' : 'imports', stats };
}

/**
 * Objects under the site's import prefixes (no manifest lists them; sourcePrefixes): copied when new or changed, by
 * ETag, one prefix after the other. An ad-spend table the catalog no longer lists (withdrawn or expired, its object
 * not deleted yet) is left out, as a withdrawn import's event files are (the manifest no longer lists them).
 */
async function importsStep(ctx: BackupContext, run: BackupRun): Promise<BackupRun> {
  const prefixes = sourcePrefixes(ctx.site).imports;
  const index = run.importsPrefix ?? 0;
  if (index >= prefixes.length) return { ...run, importsCursor: null, importsPrefix: 0, phase: 'write' };
  const listing = await ctx.env.EVENTS.list({ prefix: prefixes[index], limit: IMPORTS_PER_STEP, ...(run.importsCursor ? { cursor: run.importsCursor } : {}) });
  const tables = listing.objects.map((o) => o.key).filter((key) => parseAdSpendTableKey(key) !== null);
  const listed = new Set(tables.length > 0 ? await ctx.catalog.listedImportTables(tables) : []);
  const stats = { ...run.stats };
  for (const object of listing.objects) {
    if (parseAdSpendTableKey(object.key) && !listed.has(object.key)) continue;
    await ensureCopied(ctx, { key: object.key, etag: object.httpEtag, bytes: object.size }, run.kind === 'full', stats);
  }
  return listing.truncated ? { ...run, importsCursor: listing.cursor, stats } : { ...run, importsCursor: null, importsPrefix: index + 1, stats };
}

/**
 * The imports of the catalog state as far as the snapshot holds them: its tables only if their objects were copied, and
 * an import that began after the run started only if some file or table of it made it into the listing (else a restore
 * would list an import whose rows it does not bring, and refuse its orders as duplicates).
 */
function importsOfSnapshot(imports: CatalogState['imports'], files: readonly ManifestEntry[], objectKeys: ReadonlySet<string>, startedAt: number): CatalogState['imports'] {
  const tables = imports.tables.filter((t) => objectKeys.has(t.key));
  const present = new Set([...files.map((f) => importOfEventKey(f.key)?.importId), ...tables.map((t) => t.import_id)]);
  const kept = new Set(imports.imports.filter((r) => r.created_at < startedAt || present.has(r.id)).map((r) => r.id));
  return {
    imports: imports.imports.filter((r) => kept.has(r.id)),
    rejections: imports.rejections.filter((r) => kept.has(r.import_id)),
    orders: imports.orders.filter((o) => kept.has(o.import_id)),
    tables: tables.filter((t) => kept.has(t.import_id)),
  };
}

/**
 * Copies `object` into the backup unless it holds the key at this ETag already; a full run also checks the copy
 * itself (HEAD: its source ETag and size) and copies again what is missing or different.
 */
async function ensureCopied(ctx: BackupContext, object: SnapshotObject, verify: boolean, stats: RunStats): Promise<void> {
  const known = ctx.sql.exec<{ etag: string }>(`SELECT etag FROM objects WHERE key = ?`, object.key).toArray()[0];
  let current = known?.etag === object.etag;
  if (current && verify) {
    const head = await ctx.env.BACKUPS.head(backupObjectKey(ctx.site, object.key));
    current = head !== null && head.customMetadata?.sourceEtag === object.etag && head.size === object.bytes;
    if (current) stats.objectsVerified++;
  }
  if (current) {
    stats.objectsKept++;
  } else {
    const source = await ctx.env.EVENTS.get(object.key);
    if (!source) throw new Error(`"${object.key}" is listed but missing from the events bucket`);
    const bytes = await source.arrayBuffer();
    await ctx.env.BACKUPS.put(backupObjectKey(ctx.site, object.key), bytes, {
      httpMetadata: source.httpMetadata,
      customMetadata: { ...source.customMetadata, sourceEtag: source.httpEtag },
    });
    ctx.sql.exec(
      `INSERT INTO objects (key, etag, bytes, copied_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, bytes = excluded.bytes, copied_at = excluded.copied_at`,
      object.key, source.httpEtag, bytes.byteLength, ctx.now(),
    );
    stats.objectsCopied++;
    stats.bytesCopied += bytes.byteLength;
    object = { ...object, etag: source.httpEtag, bytes: bytes.byteLength };
  }
  ctx.sql.exec(`INSERT OR REPLACE INTO run_objects (key, etag, bytes) VALUES (?, ?, ?)`, object.key, object.etag, object.bytes);
}

/** Writes the snapshot: the listing, every object and the catalog state read now, then records what it refers to. */
async function writeStep(ctx: BackupContext, run: BackupRun): Promise<BackupRun> {
  const [siteState, erasures] = await Promise.all([ctx.catalog.backupState(), ctx.lifecycle.erasureRecords()]);
  const files = ctx.sql.exec<{ entry: string }>(`SELECT entry FROM run_files ORDER BY key`).toArray().map((r) => JSON.parse(r.entry) as ManifestEntry);
  const objects = ctx.sql.exec<SnapshotObject & Record<string, SqlStorageValue>>(`SELECT key, etag, bytes FROM run_objects ORDER BY key`).toArray().map(({ key, etag, bytes }) => ({ key, etag, bytes }));
  const snapshot: Snapshot = {
    format: 'privacy-analytics-snapshot',
    version: 1,
    id: run.id,
    site: ctx.site,
    kind: run.kind,
    takenAt: new Date(ctx.now()).toISOString(),
    erasureMark: run.erasureMark,
    files,
    objects,
    catalog: { ...siteState, erasures, imports: importsOfSnapshot(siteState.imports, files, new Set(objects.map((o) => o.key)), run.startedAt) },
    rewrittenAt: null,
  };
  await ctx.env.BACKUPS.put(snapshotKey(ctx.site, run.id), JSON.stringify(snapshot), { httpMetadata: { contentType: 'application/json' } });
  ctx.storage.transactionSync(() => {
    ctx.sql.exec(
      `INSERT OR REPLACE INTO snapshots (id, kind, taken_at, erasure_mark, files, objects, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      run.id, run.kind, ctx.now(), run.erasureMark, files.length, objects.length, objects.reduce((n, o) => n + o.bytes, 0),
    );
    for (const o of objects) ctx.sql.exec(`INSERT OR IGNORE INTO snapshot_objects (snapshot_id, key, date) VALUES (?, ?, ?)`, run.id, o.key, dateOfKey(o.key));
    ctx.sql.exec(`DELETE FROM run_files; DELETE FROM run_objects;`);
    setMeta(ctx.sql, 'last_run_date', new Date(run.startedAt).toISOString().slice(0, 10));
    if (run.kind === 'full') setMeta(ctx.sql, 'last_full_at', run.startedAt);
  });
  return { ...run, phase: 'prune' };
}

/**
 * Erasure and retention reach the backups here:
 * - a snapshot taken before the latest finished erasure is dropped (its files may hold the person's rows);
 * - dates that retention has expired are removed from every snapshot (the snapshot file is rewritten);
 * - daily snapshots older than KEEP_DAILY_DAYS and full ones older than KEEP_FULL_DAYS are dropped (never the newest).
 * Then the collect phase deletes every copied object no snapshot refers to any more.
 */
async function pruneStep(ctx: BackupContext, run: BackupRun): Promise<BackupRun> {
  const now = ctx.now();
  const mark = await currentErasureMark(ctx);
  const stats = { ...run.stats, snapshotsDropped: { ...run.stats.snapshotsDropped } };
  const [newest, ...older] = listSnapshotRows(ctx.sql);
  for (const snapshot of [...(newest ? [newest] : []), ...older]) {
    const erased = snapshot.erasure_mark < mark;
    const expired = snapshot !== newest && now - snapshot.taken_at > (snapshot.kind === 'full' ? KEEP_FULL_DAYS : KEEP_DAILY_DAYS) * DAY_MS;
    if (!erased && !expired) continue;
    await ctx.env.BACKUPS.delete(snapshotKey(ctx.site, snapshot.id));
    ctx.storage.transactionSync(() => dropSnapshotRow(ctx.sql, snapshot.id));
    if (erased) stats.snapshotsDropped.erasure++;
    else stats.snapshotsDropped.expired++;
  }
  const site = loadSitesConfig(ctx.env).sites.get(ctx.site);
  if (site) {
    const cutoff = retentionCutoff(now, effectiveRetention(site.retentionDays, await ctx.catalog.retentionOverride()).retentionDays);
    const stale = ctx.sql
      .exec<{ snapshot_id: string }>(`SELECT DISTINCT snapshot_id FROM snapshot_objects WHERE date IS NOT NULL AND date < ?`, cutoff)
      .toArray()
      .map((r) => r.snapshot_id);
    for (const id of stale) {
      await rewriteWithoutExpired(ctx, id, cutoff);
      stats.snapshotsRewritten++;
    }
  }
  return { ...run, phase: 'collect', stats };
}

async function rewriteWithoutExpired(ctx: BackupContext, id: string, cutoff: string): Promise<void> {
  const stored = await ctx.env.BACKUPS.get(snapshotKey(ctx.site, id));
  if (stored) {
    const snapshot = JSON.parse(await stored.text()) as Snapshot;
    const keep = (key: string) => (dateOfKey(key) ?? '9999-99-99') >= cutoff;
    const imports = snapshot.catalog.imports ?? { imports: [], rejections: [], orders: [], tables: [] };
    const catalog = { ...snapshot.catalog, imports: { ...imports, tables: imports.tables.filter((t) => keep(t.key)) } };
    const rewritten: Snapshot = { ...snapshot, files: snapshot.files.filter((f) => keep(f.key)), objects: snapshot.objects.filter((o) => keep(o.key)), catalog, rewrittenAt: new Date(ctx.now()).toISOString() };
    await ctx.env.BACKUPS.put(snapshotKey(ctx.site, id), JSON.stringify(rewritten), { httpMetadata: { contentType: 'application/json' } });
  }
  ctx.storage.transactionSync(() => {
    ctx.sql.exec(`DELETE FROM snapshot_objects WHERE snapshot_id = ? AND date IS NOT NULL AND date < ?`, id, cutoff);
    ctx.sql.exec(`UPDATE snapshots SET rewritten_at = ? WHERE id = ?`, ctx.now(), id);
  });
}

/** Deletes up to a batch of copies no snapshot refers to; the run ends when none is left. */
async function collectStep(ctx: BackupContext, run: BackupRun): Promise<BackupRun | FinishedRun> {
  const keys = unreferencedObjects(ctx.sql, DELETES_PER_STEP);
  if (keys.length > 0) {
    await ctx.env.BACKUPS.delete(keys.map((key) => backupObjectKey(ctx.site, key)));
    ctx.storage.transactionSync(() => {
      for (const key of keys) ctx.sql.exec(`DELETE FROM objects WHERE key = ?`, key);
    });
    return { ...run, stats: { ...run.stats, objectsDeleted: run.stats.objectsDeleted + keys.length } };
  }
  const kept = ctx.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM snapshots WHERE id = ?`, run.id).one().n > 0;
  const { phase: _p, position: _l, importsCursor: _c, importsPrefix: _i, nextAttemptAt: _n, ...rest } = run;
  return { ...rest, status: 'done', finishedAt: ctx.now(), snapshotId: kept ? run.id : null };
}

export function isFinished(run: BackupRun | FinishedRun): run is FinishedRun {
  return 'status' in run;
}
