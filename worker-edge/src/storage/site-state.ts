import type { ImportRecord, ImportRejection, ImportTableEntry } from '@privacy-analytics/core/edge-api';
import type { ImportKind } from '@privacy-analytics/core/imports';
import {
  createImportTables,
  expireImportTables,
  importById,
  importedOrders,
  importRejections,
  importTableListed,
  importTables,
  importsForBackup,
  insertImport,
  listedFilesOfImport,
  listedImportTables,
  listImports,
  markWithdrawn,
  restoreImports,
  type NewImport,
} from '../imports/import-store';
import { DurableObject } from 'cloudflare:workers';
import { createTokenTables, checkToken, countActiveTokens, insertToken, listTokens, retireToken, revokeToken, tokenById, type NewTokenRecord, type TokenCheck, type TokenInfo } from '../access/token-store';
import type { Env } from '../env';
import { appendAudit, createAuditTables, listAudit, type AuditEntry, type AuditQuery, type NewAuditEntry } from '../lifecycle/audit-log';
import { createDownloadAuditTables, recordDownload, type FileDownload } from '../lifecycle/downloads-audit';
import { addErasedIds, createErasedIdTables, erasedIds } from '../lifecycle/erased-ids';
import { createShardRegistryTables, registeredShards, registerShard } from '../buffer/shard-registry';
import { createSettingsTables, retentionOverride, setRetentionOverride } from '../lifecycle/retention-policy';
import { HmacIdHasher, toHex } from '@privacy-analytics/core/privacy';
import {
  createFileManifestTables,
  currentSeq,
  datesBefore,
  compactionCandidateDates,
  fileByKey,
  filesBySeq,
  listFiles,
  listedKeys,
  registerFiles,
  removeFiles,
  retiredKeys,
  replaceFiles,
  type DateSummary,
  type RegisteredFile,
  type ReplaceResult,
  filesPage,
  listingChange,
  rangeTotals,
  type ListingPosition,
  type ManifestPage,
} from './file-manifest';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import type { SiteStateBackup } from '../backup/catalog-state';

const SALT_LIFETIME_MS = 48 * 60 * 60 * 1000;

/**
 * One per site, holding everything small that must change atomically: the manifest (`files`),
 * the daily salts of cookieless mode, API tokens (hashed), the audit log, settings and the set
 * of erased ids. Heavy work (rewriting Parquet) happens in SiteLifecycle, which calls in here to
 * switch the manifest in one transaction; keeping this object light keeps reads fast meanwhile.
 * (Called SiteCatalog until it held more than the manifest: wrangler.toml's migration v4 renames it.)
 */
export class SiteState extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.storage.transactionSync(() => {
      createFileManifestTables(this.#sql);
      this.#sql.exec(`CREATE TABLE IF NOT EXISTS salts (date TEXT PRIMARY KEY, salt TEXT NOT NULL, created_at INTEGER NOT NULL)`);
      createTokenTables(this.#sql);
      createAuditTables(this.#sql);
      createDownloadAuditTables(this.#sql);
      createSettingsTables(this.#sql);
      createErasedIdTables(this.#sql);
      createShardRegistryTables(this.#sql);
      createImportTables(this.#sql);
    });
  }

  /** Lists `entries`, except keys that have left the manifest before (returned: see file-manifest.ts). */
  registerFiles(entries: readonly ManifestEntry[]): string[] {
    return this.ctx.storage.transactionSync(() => registerFiles(this.#sql, entries));
  }

  /** The keys among `keys` that were listed once and have left the manifest. */
  retiredKeys(keys: readonly string[]): string[] {
    return retiredKeys(this.#sql, keys);
  }

  /** The keys among `keys` the manifest lists now. */
  listedKeys(keys: readonly string[]): string[] {
    return listedKeys(this.#sql, keys);
  }

  /**
   * One page of the manifest: at most `limit` files of [from, to] after `position` (null: the first page, with the
   * range's totals). `changed`: the pages given so far no longer fit together; the listing must start again.
   */
  manifestPage(from: string | undefined, to: string | undefined, limit: number, position: ListingPosition | null): ManifestPage {
    if (position) {
      const changed = listingChange(this.#sql, position, from);
      if (changed) return { changed };
    }
    const now = Date.now();
    const start = position ?? { startedAt: now, startSeq: currentSeq(this.#sql) };
    const totals = position ? null : rangeTotals(this.#sql, from, to);
    const page = filesPage(this.#sql, limit + 1, from, to, position ? { date: position.afterDate, key: position.afterKey } : undefined);
    const files = page.slice(0, limit).map(({ seq: _seq, ...entry }) => entry);
    const last = files.at(-1);
    const next = page.length > limit && last ? { afterDate: last.date, afterKey: last.key, startedAt: start.startedAt, startSeq: start.startSeq } : null;
    return { files, totals, next };
  }

  filesBySeq(afterSeq: number, maxSeq: number, limit: number): RegisteredFile[] {
    return filesBySeq(this.#sql, afterSeq, maxSeq, limit);
  }

  /** Files of one date with their registration sequence numbers (compaction planning). */
  filesOfDate(date: string): RegisteredFile[] {
    return listFiles(this.#sql, date, date);
  }

  fileByKey(key: string): RegisteredFile | null {
    return fileByKey(this.#sql, key);
  }

  /**
   * The file route's check for a GET: the listed event file `eventKey`, recording the download of `key` (the event file
   * or its rollup) in the audit log when it is served from the manifest.
   */
  fileForDownload(key: string, eventKey: string, download: FileDownload): RegisteredFile | null {
    const file = fileByKey(this.#sql, eventKey);
    if (file && (key === eventKey || file.rollup?.key === key)) {
      this.ctx.storage.transactionSync(() => recordDownload(this.#sql, key, download, Date.now()));
    }
    return file;
  }

  /** A download of a file no longer listed but kept for readers (compaction inputs in their grace period). */
  recordDownload(key: string, download: FileDownload): void {
    this.ctx.storage.transactionSync(() => recordDownload(this.#sql, key, download, Date.now()));
  }

  currentFileSeq(): number {
    return currentSeq(this.#sql);
  }

  /** Atomically swaps files (compaction, erasure rewrites); changes nothing if a key to remove is gone. */
  replaceFiles(removeKeys: readonly string[], add: readonly ManifestEntry[]): ReplaceResult {
    return this.ctx.storage.transactionSync(() => replaceFiles(this.#sql, removeKeys, add));
  }

  /** Unregisters expired files and records what went in the audit log, in one transaction. */
  expireFiles(keys: readonly string[], audit: NewAuditEntry): RegisteredFile[] {
    return this.ctx.storage.transactionSync(() => {
      const removed = removeFiles(this.#sql, keys);
      appendAudit(this.#sql, audit, Date.now());
      return removed;
    });
  }

  datesBefore(beforeDate: string, limit: number): DateSummary[] {
    return datesBefore(this.#sql, beforeDate, limit);
  }

  compactionCandidateDates(smallPartRows: number): string[] {
    return compactionCandidateDates(this.#sql, smallPartRows);
  }

  // --- tokens ---------------------------------------------------------------------------------

  createToken(record: NewTokenRecord, maxActive: number): TokenInfo | { error: 'too_many_tokens'; active: number } {
    return this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const active = countActiveTokens(this.#sql, now);
      if (active >= maxActive) return { error: 'too_many_tokens' as const, active };
      const token = insertToken(this.#sql, record, now);
      appendAudit(this.#sql, { action: 'token.create', actor: record.createdBy, details: { tokenId: token.id, role: token.role, label: token.label, expiresAt: token.expiresAt } }, now);
      return token;
    });
  }

  checkToken(id: string, presentedHash: string): TokenCheck {
    return checkToken(this.#sql, id, presentedHash, Date.now());
  }

  listTokens(): TokenInfo[] {
    return listTokens(this.#sql, Date.now());
  }

  revokeToken(id: string, by: string): TokenInfo | null {
    return this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const before = tokenById(this.#sql, id, now);
      if (!before) return null;
      const after = revokeToken(this.#sql, id, by, now);
      if (before.revokedAt === null) appendAudit(this.#sql, { action: 'token.revoke', actor: by, details: { tokenId: id, role: before.role, label: before.label } }, now);
      return after;
    });
  }

  /** Issues `successor` and retires `oldId` (now, or after a grace period) in one transaction. */
  rotateToken(oldId: string, successor: NewTokenRecord, graceMs: number): { old: TokenInfo; successor: TokenInfo } | null {
    return this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const old = tokenById(this.#sql, oldId, now);
      if (!old || old.status !== 'active') return null;
      const created = insertToken(this.#sql, successor, now);
      retireToken(this.#sql, oldId, created.id, successor.createdBy, now + graceMs, now);
      appendAudit(
        this.#sql,
        { action: 'token.rotate', actor: successor.createdBy, details: { tokenId: oldId, successorId: created.id, role: created.role, graceSeconds: Math.round(graceMs / 1000) } },
        now,
      );
      return { old: tokenById(this.#sql, oldId, now)!, successor: created };
    });
  }

  tokenById(id: string): TokenInfo | null {
    return tokenById(this.#sql, id, Date.now());
  }

  // --- audit, settings, erased ids ------------------------------------------------------------

  appendAudit(entry: NewAuditEntry): number {
    return appendAudit(this.#sql, entry, Date.now());
  }

  listAudit(query: AuditQuery): AuditEntry[] {
    return listAudit(this.#sql, query);
  }

  retentionOverride(): number | null {
    return retentionOverride(this.#sql);
  }

  setRetentionOverride(days: number | null, audit: NewAuditEntry): void {
    this.ctx.storage.transactionSync(() => {
      setRetentionOverride(this.#sql, days);
      appendAudit(this.#sql, audit, Date.now());
    });
  }

  addErasedIds(ids: readonly string[], requestId: string): void {
    this.ctx.storage.transactionSync(() => addErasedIds(this.#sql, ids, requestId, Date.now()));
  }

  erasedIds(): string[] {
    return erasedIds(this.#sql);
  }

  /** A buffer shard's first call: it is registered (so erasure and flush reach it later) and copies the erased ids. */
  joinBufferShard(shard: number): string[] {
    return this.ctx.storage.transactionSync(() => {
      registerShard(this.#sql, shard, Date.now());
      return erasedIds(this.#sql);
    });
  }

  /** Every buffer shard that ever took an event for this site, whatever BUFFER_SHARDS says now. */
  bufferShards(): number[] {
    return registeredShards(this.#sql);
  }

  // --- backups and restore (worker-edge/src/backup) -----------------------------------------

  /** What a snapshot keeps of this object (catalog-state.ts): tokens as hashes, settings, erased ids, retired keys, audit, imports. */
  backupState(): SiteStateBackup {
    const rows = <T extends Record<string, SqlStorageValue>>(query: string) => this.#sql.exec<T>(query).toArray();
    return {
      tokens: rows(`SELECT id, hash, role, label, created_at, created_by, expires_at, revoked_at, revoked_by, last_used_at, replaced_by FROM tokens ORDER BY id`) as SiteStateBackup['tokens'],
      settings: rows(`SELECT key, value FROM settings ORDER BY key`) as SiteStateBackup['settings'],
      erasedIds: rows(`SELECT hashed_id, request_id, added_at FROM erased_ids ORDER BY hashed_id`) as SiteStateBackup['erasedIds'],
      retiredKeys: rows(`SELECT key, retired_at FROM retired_files ORDER BY key`) as SiteStateBackup['retiredKeys'],
      audit: rows(`SELECT at, action, actor, details FROM audit ORDER BY id`) as SiteStateBackup['audit'],
      imports: importsForBackup(this.#sql),
    };
  }

  /** Of `keys`, the import tables this site lists (a backup copies no table withdrawn or expired but not yet deleted). */
  listedImportTables(keys: string[]): string[] {
    return listedImportTables(this.#sql, keys);
  }

  /** Whether the manifest lists any file (a restore refuses a site that has data unless forced). */
  hasFiles(): boolean {
    return this.#sql.exec(`SELECT 1 FROM files LIMIT 1`).toArray().length > 0;
  }

  /**
   * Lists restored files as they were, retired or not (a restore brings back keys that compaction retired since).
   * `replace`: first unlists every file not among `keepKeys` (a forced restore replaces the site's manifest).
   */
  restoreFiles(entries: readonly ManifestEntry[], replaceExceptKeys: readonly string[] | null): string[] {
    return this.ctx.storage.transactionSync(() => {
      let removed: string[] = [];
      if (replaceExceptKeys) {
        const keep = new Set(replaceExceptKeys);
        const current = this.#sql.exec<{ key: string }>(`SELECT key FROM files`).toArray().map((r) => r.key);
        removed = removeFiles(this.#sql, current.filter((key) => !keep.has(key))).map((f) => f.key);
      }
      for (const entry of entries) this.#sql.exec(`DELETE FROM retired_files WHERE key = ?`, entry.key);
      registerFiles(this.#sql, entries);
      return removed;
    });
  }

  /**
   * Restores the catalog state of a snapshot and writes the restore's audit entry, in one transaction. `replace` (a
   * forced restore) replaces the site's imports with the snapshot's; returns the import tables that unlisted.
   */
  restoreState(state: SiteStateBackup, audit: NewAuditEntry, replace = false): string[] {
    return this.ctx.storage.transactionSync(() => {
      for (const t of state.tokens) {
        this.#sql.exec(
          `INSERT OR REPLACE INTO tokens (id, hash, role, label, created_at, created_by, expires_at, revoked_at, revoked_by, last_used_at, replaced_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          t.id, t.hash, t.role, t.label, t.created_at, t.created_by, t.expires_at, t.revoked_at, t.revoked_by, t.last_used_at, t.replaced_by,
        );
      }
      for (const { key, value } of state.settings) {
        this.#sql.exec(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
      }
      for (const e of state.erasedIds) this.#sql.exec(`INSERT OR IGNORE INTO erased_ids (hashed_id, request_id, added_at) VALUES (?, ?, ?)`, e.hashed_id, e.request_id, e.added_at);
      for (const r of state.retiredKeys) {
        if (this.#sql.exec(`SELECT 1 FROM files WHERE key = ?`, r.key).toArray().length === 0) {
          this.#sql.exec(`INSERT OR IGNORE INTO retired_files (key, retired_at) VALUES (?, ?)`, r.key, r.retired_at);
        }
      }
      // The log of a site restored into emptiness (nothing logged but the restore's request) continues the old one; a
      // forced restore keeps the site's own log.
      if (this.#sql.exec(`SELECT 1 FROM audit WHERE action != 'backup.restore.request' LIMIT 1`).toArray().length === 0) {
        for (const a of state.audit) this.#sql.exec(`INSERT INTO audit (at, action, actor, details) VALUES (?, ?, ?, ?)`, a.at, a.action, a.actor, a.details);
      }
      const unlistedTables = restoreImports(this.#sql, state.imports, replace);
      appendAudit(this.#sql, audit, Date.now());
      return unlistedTables;
    });
  }

  // --- imports (worker-edge/src/imports) ----------------------------------------------------

  importById(id: string): ImportRecord | null {
    return importById(this.#sql, id);
  }

  listImports(limit: number): ImportRecord[] {
    return listImports(this.#sql, limit);
  }

  importRejections(id: string): ImportRejection[] {
    return importRejections(this.#sql, id);
  }

  /** The order ids among `ids` earlier imports brought: order id → import id. */
  importedOrders(ids: readonly string[]): Record<string, string> {
    return Object.fromEntries(importedOrders(this.#sql, ids));
  }

  /**
   * Lists an import's event files, records it and writes its audit entry in one transaction, unless its id was taken or
   * one of its order ids was imported meanwhile (then nothing changes and the caller deletes what it wrote).
   */
  commitImport(input: NewImport, entries: readonly ManifestEntry[], audit: NewAuditEntry): { committed: true } | { committed: false; existing: ImportRecord | null; conflicts: string[] } {
    return this.ctx.storage.transactionSync(() => {
      const existing = importById(this.#sql, input.record.id);
      if (existing) return { committed: false as const, existing, conflicts: [] };
      const conflicts = [...importedOrders(this.#sql, input.orderIds).keys()];
      if (conflicts.length) return { committed: false as const, existing: null, conflicts };
      registerFiles(this.#sql, entries);
      insertImport(this.#sql, input);
      appendAudit(this.#sql, audit, Date.now());
      return { committed: true as const };
    });
  }

  /** Unlists an import's files and tables, marks it withdrawn and audits it; returns the object keys to delete (null: no such active import). */
  withdrawImport(id: string, kind: ImportKind, by: string, audit: NewAuditEntry): string[] | null {
    return this.ctx.storage.transactionSync(() => {
      const record = importById(this.#sql, id);
      if (!record || record.status !== 'active') return null;
      const removed = removeFiles(this.#sql, listedFilesOfImport(this.#sql, kind, id)).map((f) => f.key);
      const tables = markWithdrawn(this.#sql, id, by, Date.now());
      appendAudit(this.#sql, { ...audit, details: { ...audit.details, files: removed.length + tables.length } }, Date.now());
      return [...removed, ...tables];
    });
  }

  importTables(from?: string, to?: string): ImportTableEntry[] {
    return importTables(this.#sql, from, to);
  }

  importTableListed(key: string): boolean {
    return importTableListed(this.#sql, key);
  }

  /** Retention of imported tables (not events): unlists those dated before `cutoff`, audited; returns their keys. */
  expireImportTables(cutoff: string, retentionDays: number): string[] {
    return this.ctx.storage.transactionSync(() => {
      const keys = expireImportTables(this.#sql, cutoff);
      if (keys.length) appendAudit(this.#sql, { action: 'retention.delete', actor: 'system', details: { cutoff, retentionDays, tables: keys.length, kind: 'import:ad_spend' } }, Date.now());
      return keys;
    });
  }

  // --- cookieless salts -----------------------------------------------------------------------

  /** The cookieless salt for a UTC day: random, created on first use, deleted 48 h after creation. */
  async dailySalt(date: string): Promise<string> {
    const now = Date.now();
    this.#sql.exec(`DELETE FROM salts WHERE created_at < ?`, now - SALT_LIFETIME_MS);
    const existing = this.#sql.exec<{ salt: string }>(`SELECT salt FROM salts WHERE date = ?`, date).toArray()[0];
    if (existing) return existing.salt;
    const salt = toHex(crypto.getRandomValues(new Uint8Array(32)));
    this.#sql.exec(`INSERT INTO salts (date, salt, created_at) VALUES (?, ?, ?)`, date, salt, now);
    await this.#ensureSaltCleanup(now);
    return salt;
  }

  /** Dates whose salt is still stored (for tests and operators; the salts themselves never leave). */
  saltDates(): string[] {
    return this.#sql.exec<{ date: string }>(`SELECT date FROM salts ORDER BY date`).toArray().map((r) => r.date);
  }

  /**
   * Cookieless erasure: the value hashed with every salt still alive (at most two days). Older
   * rows cannot be tied to anyone any more, by us included, because their salt is gone.
   */
  async hashWithLiveSalts(value: string): Promise<string[]> {
    this.#sql.exec(`DELETE FROM salts WHERE created_at < ?`, Date.now() - SALT_LIFETIME_MS);
    const salts = this.#sql.exec<{ salt: string }>(`SELECT salt FROM salts ORDER BY date`).toArray();
    return Promise.all(salts.map(({ salt }) => new HmacIdHasher(salt).hashId(value)));
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.#sql.exec(`DELETE FROM salts WHERE created_at < ?`, now - SALT_LIFETIME_MS);
    const next = this.#sql.exec<{ t: number | null }>(`SELECT MIN(created_at) AS t FROM salts`).one().t;
    if (next !== null) await this.ctx.storage.setAlarm(next + SALT_LIFETIME_MS);
  }

  async #ensureSaltCleanup(createdAt: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > createdAt + SALT_LIFETIME_MS) await this.ctx.storage.setAlarm(createdAt + SALT_LIFETIME_MS);
  }
}
