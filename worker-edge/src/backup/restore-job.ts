import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { describeIssues } from '@privacy-analytics/core/schema';
import { withRollupKeys } from '../storage/event-file-store';
import { everyBufferOf } from '../stubs';
import type { BackupContext } from './backup-job';
import { backupObjectKey, dateOfKey, snapshotKey, snapshotPrefix, snapshotSchema, type Snapshot, type SnapshotObject } from './backup-layout';
import { getMeta, setMeta } from './backup-store';
import type { CatalogState } from './catalog-state';

const OBJECTS_PER_STEP = 50;
const FILES_PER_STEP = 500;

export interface RestoreState {
  snapshotId: string;
  phase: 'objects' | 'files' | 'catalog' | 'done' | 'failed';
  force: boolean;
  requestedBy: string;
  startedAt: number;
  finishedAt: number | null;
  cursor: number;
  objects: number;
  files: number;
  objectsRestored: number;
  filesRestored: number;
  filesReplaced: number;
  erasuresRequestedAgain: number;
  error: string | null;
}

export class SnapshotProblem extends Error {
  override name = 'SnapshotProblem';
  constructor(readonly code: 'snapshot_not_found' | 'invalid_snapshot', message: string) {
    super(message);
  }
}

/** Reads and checks a snapshot from the backup bucket (the only thing a restore needs: the site's state may be gone). */
export async function readSnapshot(ctx: Pick<BackupContext, 'env' | 'site'>, id: string): Promise<Snapshot> {
  const stored = await ctx.env.BACKUPS.get(snapshotKey(ctx.site, id));
  if (!stored) throw new SnapshotProblem('snapshot_not_found', `no snapshot "${id}" of site "${ctx.site}" in the backup bucket`);
  const parsed = snapshotSchema.safeParse(JSON.parse(await stored.text()));
  if (!parsed.success) throw new SnapshotProblem('invalid_snapshot', `snapshot "${id}": ${describeIssues(parsed.error)}`);
  if (parsed.data.site !== ctx.site || parsed.data.id !== id) throw new SnapshotProblem('invalid_snapshot', `snapshot "${id}" belongs to site "${parsed.data.site}" (id ${parsed.data.id})`);
  return parsed.data;
}

/** Loads the snapshot into restore_items and returns the restore's starting state. */
export async function startRestore(ctx: BackupContext, id: string, force: boolean, requestedBy: string): Promise<RestoreState> {
  const snapshot = await readSnapshot(ctx, id);
  ctx.storage.transactionSync(() => {
    ctx.sql.exec(`DELETE FROM restore_items`);
    for (const o of snapshot.objects) ctx.sql.exec(`INSERT INTO restore_items (kind, body) VALUES ('object', ?)`, JSON.stringify(o));
    for (const f of snapshot.files) ctx.sql.exec(`INSERT INTO restore_items (kind, body) VALUES ('file', ?)`, JSON.stringify(f));
    setMeta(ctx.sql, 'restore_catalog', snapshot.catalog);
  });
  return {
    snapshotId: id,
    phase: 'objects',
    force,
    requestedBy,
    startedAt: ctx.now(),
    finishedAt: null,
    cursor: 0,
    objects: snapshot.objects.length,
    files: snapshot.files.length,
    objectsRestored: 0,
    filesRestored: 0,
    filesReplaced: 0,
    erasuresRequestedAgain: 0,
    error: null,
  };
}

/** One bounded step: objects back into the events bucket, then the manifest in batches, then the catalog state. */
export async function runRestoreStep(ctx: BackupContext, state: RestoreState): Promise<RestoreState> {
  if (state.phase === 'objects') {
    const items = ctx.sql.exec<{ seq: number; body: string }>(`SELECT seq, body FROM restore_items WHERE kind = 'object' AND seq > ? ORDER BY seq LIMIT ?`, state.cursor, OBJECTS_PER_STEP).toArray();
    if (items.length === 0) return { ...state, phase: 'files', cursor: 0 };
    for (const item of items) {
      const object = JSON.parse(item.body) as SnapshotObject;
      const copy = await ctx.env.BACKUPS.get(backupObjectKey(ctx.site, object.key));
      if (!copy) throw new Error(`the backup holds no copy of "${object.key}" (snapshot ${state.snapshotId})`);
      const { sourceEtag: _source, ...customMetadata } = copy.customMetadata ?? {};
      const written = await ctx.env.EVENTS.put(object.key, await copy.arrayBuffer(), { httpMetadata: copy.httpMetadata, customMetadata });
      ctx.sql.exec(`UPDATE restore_items SET etag = ? WHERE seq = ?`, written.httpEtag, item.seq);
    }
    return { ...state, cursor: items.at(-1)!.seq, objectsRestored: state.objectsRestored + items.length };
  }
  if (state.phase === 'files') {
    const items = ctx.sql.exec<{ seq: number; body: string }>(`SELECT seq, body FROM restore_items WHERE kind = 'file' AND seq > ? ORDER BY seq LIMIT ?`, state.cursor, FILES_PER_STEP).toArray();
    if (items.length === 0 && state.cursor > 0) return { ...state, phase: 'catalog' };
    const etags = restoredEtags(ctx);
    const entries = items.map((item) => {
      const entry = JSON.parse(item.body) as ManifestEntry;
      const rollup = entry.rollup ? { ...entry.rollup, etag: etags.get(entry.rollup.key) ?? entry.rollup.etag } : undefined;
      return { ...entry, etag: etags.get(entry.key) ?? entry.etag, ...(rollup ? { rollup } : {}) };
    });
    // A forced restore replaces the manifest: on its first batch, every file the snapshot does not list is unlisted.
    const replaceExcept = state.force && state.cursor === 0 ? ctx.sql.exec<{ body: string }>(`SELECT body FROM restore_items WHERE kind = 'file'`).toArray().map((r) => (JSON.parse(r.body) as ManifestEntry).key) : null;
    const replaced = await ctx.catalog.restoreFiles(entries, replaceExcept);
    for (let i = 0; i < replaced.length; i += 500) await ctx.env.EVENTS.delete(withRollupKeys(replaced.slice(i, i + 500)));
    const next = { ...state, filesRestored: state.filesRestored + entries.length, filesReplaced: state.filesReplaced + replaced.length };
    return items.length === 0 ? { ...next, phase: 'catalog' } : { ...next, cursor: items.at(-1)!.seq };
  }
  if (state.phase === 'catalog') {
    const catalog = getMeta<CatalogState>(ctx.sql, 'restore_catalog');
    if (!catalog) throw new Error('the catalog state of the snapshot being restored is missing');
    const { erasures, ...siteState } = catalog;
    // Import tables are listed with the ETag their restored object has now; a snapshot from before imports were backed
    // up carries none (restored as no imports).
    const imports = siteState.imports ?? { imports: [], rejections: [], orders: [], tables: [] };
    const etags = restoredEtags(ctx);
    const tables = imports.tables.map((t) => ({ ...t, etag: etags.get(t.key) ?? t.etag }));
    const unlistedTables = await ctx.catalog.restoreState(
      { ...siteState, imports: { ...imports, tables } },
      {
        action: 'backup.restore',
        actor: state.requestedBy,
        details: { snapshotId: state.snapshotId, files: state.files, objects: state.objects, forced: state.force, filesReplaced: state.filesReplaced, tokens: siteState.tokens.length, erasedIds: siteState.erasedIds.length, imports: imports.imports.length, importTables: tables.length },
      },
      state.force,
    );
    for (let i = 0; i < unlistedTables.length; i += 500) await ctx.env.EVENTS.delete(unlistedTables.slice(i, i + 500));
    const requestedAgain = await ctx.lifecycle.restoreErasureRecords(ctx.site, erasures);
    const erasedIds = siteState.erasedIds.map((e) => e.hashed_id);
    if (erasedIds.length > 0) await Promise.all((await everyBufferOf(ctx.env, ctx.site)).map((shard) => shard.blockIds(erasedIds)));
    await adoptSnapshots(ctx);
    ctx.storage.transactionSync(() => {
      ctx.sql.exec(`DELETE FROM restore_items`);
      setMeta(ctx.sql, 'restore_catalog', null);
    });
    return { ...state, phase: 'done', finishedAt: ctx.now(), erasuresRequestedAgain: requestedAgain };
  }
  return state;
}

/** The ETag each object the restore wrote back has in the events bucket now, by key. */
function restoredEtags(ctx: BackupContext): Map<string, string> {
  const rows = ctx.sql.exec<{ body: string; etag: string | null }>(`SELECT body, etag FROM restore_items WHERE kind = 'object' AND etag IS NOT NULL`).toArray();
  return new Map(rows.map((r) => [(JSON.parse(r.body) as SnapshotObject).key, r.etag!]));
}

/**
 * After a restore this object's index may be empty (the site's state was lost with the events): every snapshot the
 * backup bucket holds for the site is indexed again, so the next runs copy only what is new and later erasures and
 * retention reach these snapshots as well.
 */
async function adoptSnapshots(ctx: BackupContext): Promise<void> {
  let cursor: string | undefined;
  do {
    const listing = await ctx.env.BACKUPS.list({ prefix: snapshotPrefix(ctx.site), ...(cursor ? { cursor } : {}) });
    for (const object of listing.objects) {
      const id = object.key.slice(snapshotPrefix(ctx.site).length).replace(/\.json$/, '');
      if (ctx.sql.exec(`SELECT 1 FROM snapshots WHERE id = ?`, id).toArray().length > 0) continue;
      const snapshot = await readSnapshot(ctx, id).catch(() => null);
      if (!snapshot) continue;
      ctx.storage.transactionSync(() => {
        ctx.sql.exec(
          `INSERT OR REPLACE INTO snapshots (id, kind, taken_at, erasure_mark, files, objects, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          id, snapshot.kind, Date.parse(snapshot.takenAt), snapshot.erasureMark, snapshot.files.length, snapshot.objects.length, snapshot.objects.reduce((n, o) => n + o.bytes, 0),
        );
        for (const o of snapshot.objects) {
          ctx.sql.exec(`INSERT OR IGNORE INTO snapshot_objects (snapshot_id, key, date) VALUES (?, ?, ?)`, id, o.key, dateOfKey(o.key));
          ctx.sql.exec(`INSERT OR IGNORE INTO objects (key, etag, bytes, copied_at) VALUES (?, ?, ?, ?)`, o.key, o.etag, o.bytes, ctx.now());
        }
        const seen = getMeta<number>(ctx.sql, 'erasure_mark') ?? 0;
        if (snapshot.erasureMark > seen) setMeta(ctx.sql, 'erasure_mark', snapshot.erasureMark);
        const lastFull = getMeta<number>(ctx.sql, 'last_full_at') ?? 0;
        if (snapshot.kind === 'full' && Date.parse(snapshot.takenAt) > lastFull) setMeta(ctx.sql, 'last_full_at', Date.parse(snapshot.takenAt));
      });
    }
    cursor = listing.truncated ? listing.cursor : undefined;
  } while (cursor);
}
