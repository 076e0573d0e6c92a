import type { CacheStats, DateRange } from './data-engine';
import type { CachedFile, LocalDb } from './local-db';

export interface CacheableFile {
  key: string;
  etag: string;
  date: string;
  hour: number | null;
  rows: number;
}

/** Share of the browser's quota the cache may fill, counting what the rest of the origin already uses. */
const QUOTA_SHARE = 0.8;

/**
 * Downloaded Parquet files in IndexedDB, keyed by connection scope + file key, valid for one ETag. When adding a
 * file would pass the storage budget, least recently used files are evicted first (never the ones `pinned` by the
 * load in progress); a file that cannot fit is simply not cached.
 */
export class FileCache {
  readonly #db: LocalDb;
  readonly #quotaOverride: number | undefined;
  /** bytes of all cached files, kept between scans; null = unknown, scan again */
  #total: number | null = null;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(db: LocalDb, quotaOverride?: number) {
    this.#db = db;
    this.#quotaOverride = quotaOverride;
  }

  /** Cache entries of `scope` for these keys (whatever their ETag). */
  async lookup(scope: string, keys: readonly string[]): Promise<Map<string, CachedFile>> {
    const found = await this.#db.files.bulkGet(keys.map((key) => fileId(scope, key)));
    const out = new Map<string, CachedFile>();
    for (const entry of found) if (entry) out.set(entry.key, entry);
    return out;
  }

  async inRange(scope: string, range: DateRange): Promise<CachedFile[]> {
    return this.#db.files.where('[scope+date]').between([scope, range.from], [scope, range.to], true, true).toArray();
  }

  async read(entry: CachedFile): Promise<Uint8Array | null> {
    const body = await this.#db.bodies.get(entry.id);
    return body ? body.data : null;
  }

  async touch(entries: readonly CachedFile[]): Promise<void> {
    const now = Date.now();
    await this.#db.files.bulkUpdate(entries.map((entry) => ({ key: entry.id, changes: { lastUsed: now } })));
  }

  /**
   * Stores a file; returns false when it does not fit the budget even after evicting unpinned files. Writes run one
   * after another, so concurrent downloads cannot all pass the budget check on the same total.
   */
  put(scope: string, file: CacheableFile, bytes: Uint8Array, pinned: ReadonlySet<string>): Promise<boolean> {
    const write = this.#writes.then(() => this.#put(scope, file, bytes, pinned));
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async #put(scope: string, file: CacheableFile, bytes: Uint8Array, pinned: ReadonlySet<string>): Promise<boolean> {
    const id = fileId(scope, file.key);
    const previousBytes = (await this.#db.files.get(id))?.bytes ?? 0;
    if (!(await this.#makeRoom(bytes.byteLength, id, previousBytes, new Set([...pinned].map((key) => fileId(scope, key)))))) return false;
    const now = Date.now();
    const entry: CachedFile = { id, scope, key: file.key, etag: file.etag, date: file.date, hour: file.hour, rows: file.rows, bytes: bytes.byteLength, storedAt: now, lastUsed: now };
    await this.#db.transaction('rw', this.#db.files, this.#db.bodies, async () => {
      await this.#db.bodies.put({ id, data: bytes });
      await this.#db.files.put(entry);
    });
    if (this.#total !== null) this.#total += bytes.byteLength - previousBytes;
    return true;
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    this.#total = null;
    await this.#db.transaction('rw', this.#db.files, this.#db.bodies, async () => {
      await this.#db.files.bulkDelete([...ids]);
      await this.#db.bodies.bulkDelete([...ids]);
    });
  }

  /** Files of `scope` dated within `range` that the manifest no longer lists (compacted or erased at the edge). */
  async removeUnlisted(scope: string, range: DateRange, listedKeys: ReadonlySet<string>): Promise<number> {
    const stale = (await this.inRange(scope, range)).filter((entry) => !listedKeys.has(entry.key));
    await this.remove(stale.map((entry) => entry.id));
    return stale.length;
  }

  async stats(): Promise<CacheStats> {
    let files = 0;
    let bytes = 0;
    await this.#db.files.each((entry) => {
      files += 1;
      bytes += entry.bytes;
    });
    return { files, bytes, quota: await this.#quota() };
  }

  async clear(): Promise<void> {
    this.#total = null;
    await this.#db.transaction('rw', this.#db.files, this.#db.bodies, async () => {
      await this.#db.files.clear();
      await this.#db.bodies.clear();
    });
  }

  async #quota(): Promise<number | null> {
    if (this.#quotaOverride !== undefined) return this.#quotaOverride;
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
    return estimate?.quota ?? null;
  }

  async #makeRoom(incoming: number, incomingId: string, previousBytes: number, pinnedIds: ReadonlySet<string>): Promise<boolean> {
    const cached = await this.#totalBytes();
    const budget = await this.#budget(cached);
    if (budget === null) return true;
    if (incoming > budget) return false;
    // the entry being replaced (same file, new ETag) frees its bytes
    let used = cached - previousBytes;
    if (used + incoming <= budget) return true;
    const evict: string[] = [];
    for (const entry of await this.#db.files.orderBy('lastUsed').toArray()) {
      if (used + incoming <= budget) break;
      if (pinnedIds.has(entry.id) || entry.id === incomingId) continue;
      evict.push(entry.id);
      used -= entry.bytes;
    }
    if (used + incoming > budget) return false;
    await this.remove(evict);
    return true;
  }

  async #totalBytes(): Promise<number> {
    if (this.#total === null) {
      let bytes = 0;
      await this.#db.files.each((entry) => void (bytes += entry.bytes));
      this.#total = bytes;
    }
    return this.#total;
  }

  /** Bytes the cache may hold in total; null when the browser reports no quota (then: no eviction). */
  async #budget(cachedBytes: number): Promise<number | null> {
    if (this.#quotaOverride !== undefined) return this.#quotaOverride;
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
    if (!estimate?.quota) return null;
    const otherUsage = Math.max(0, (estimate.usage ?? 0) - cachedBytes);
    return Math.max(0, estimate.quota * QUOTA_SHARE - otherUsage);
  }
}

export function fileId(scope: string, key: string): string {
  return `${scope} ${key}`;
}
