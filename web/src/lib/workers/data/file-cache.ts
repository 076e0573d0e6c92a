import type { CacheStats, DateRange } from '../../engine/data-engine';
import type { CachedFile, LocalDb } from '../../engine/local-db';

export interface CacheableFile {
  key: string;
  etag: string;
  date: string;
  hour: number | null;
  rows: number;
  minTime?: string;
  maxTime?: string;
}

interface PendingPut {
  scope: string;
  file: CacheableFile;
  bytes: Uint8Array;
  pinned: ReadonlySet<string>;
  resolve: (stored: boolean) => void;
  reject: (error: unknown) => void;
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
  #reads: { id: string; resolve: (data: Uint8Array | null) => void; reject: (error: unknown) => void }[] = [];
  #puts: PendingPut[] = [];

  constructor(db: LocalDb, quotaOverride?: number) {
    this.#db = db;
    this.#quotaOverride = quotaOverride;
  }

  async inRange(scope: string, range: DateRange): Promise<CachedFile[]> {
    return this.#db.files.where('[scope+date]').between([scope, range.from], [scope, range.to], true, true).toArray();
  }

  /**
   * A cached file's bytes. Reads asked for in the same task are answered by one bulkGet: IndexedDB pays per
   * transaction, and a load reads hundreds of small hourly files.
   */
  read(entry: CachedFile): Promise<Uint8Array | null> {
    return new Promise((resolve, reject) => {
      this.#reads.push({ id: entry.id, resolve, reject });
      if (this.#reads.length === 1) setTimeout(() => void this.#readPending(), 0);
    });
  }

  async #readPending(): Promise<void> {
    const reads = this.#reads.splice(0);
    try {
      const bodies = await this.#db.bodies.bulkGet(reads.map((r) => r.id));
      reads.forEach((r, i) => r.resolve(bodies[i]?.data ?? null));
    } catch (error) {
      for (const r of reads) r.reject(error);
    }
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
    return new Promise((resolve, reject) => {
      this.#puts.push({ scope, file, bytes, pinned, resolve, reject });
      if (this.#puts.length === 1) {
        const write = this.#writes.then(() => this.#putPending());
        this.#writes = write.catch(() => undefined);
      }
    });
  }

  /**
   * Writes the files queued while the previous write ran in one transaction when they fit the budget together
   * (the common case: a load of many small files), else one by one with eviction.
   */
  async #putPending(): Promise<void> {
    const puts = this.#puts.splice(0);
    if (puts.length === 1) {
      const [p] = puts as [PendingPut];
      await this.#put(p.scope, p.file, p.bytes, p.pinned).then(p.resolve, p.reject);
      return;
    }
    try {
      const ids = puts.map((p) => fileId(p.scope, p.file.key));
      const previous = await this.#db.files.bulkGet(ids);
      const previousBytes = previous.reduce((n, e) => n + (e?.bytes ?? 0), 0);
      const incoming = puts.reduce((n, p) => n + p.bytes.byteLength, 0);
      const cached = await this.#totalBytes();
      const budget = await this.#budget(cached);
      if (budget !== null && cached - previousBytes + incoming > budget) {
        for (const p of puts) await this.#put(p.scope, p.file, p.bytes, p.pinned).then(p.resolve, p.reject);
        return;
      }
      const now = Date.now();
      const entries = puts.map((p, i) => cacheEntry(ids[i]!, p.scope, p.file, p.bytes.byteLength, now));
      await this.#db.transaction('rw', this.#db.files, this.#db.bodies, async () => {
        await this.#db.bodies.bulkPut(puts.map((p, i) => ({ id: ids[i]!, data: p.bytes })));
        await this.#db.files.bulkPut(entries);
      });
      if (this.#total !== null) this.#total += incoming - previousBytes;
      for (const p of puts) p.resolve(true);
    } catch (error) {
      for (const p of puts) p.reject(error);
    }
  }

  async #put(scope: string, file: CacheableFile, bytes: Uint8Array, pinned: ReadonlySet<string>): Promise<boolean> {
    const id = fileId(scope, file.key);
    const previousBytes = (await this.#db.files.get(id))?.bytes ?? 0;
    if (!(await this.#makeRoom(bytes.byteLength, id, previousBytes, new Set([...pinned].map((key) => fileId(scope, key)))))) return false;
    const entry = cacheEntry(id, scope, file, bytes.byteLength, Date.now());
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

function cacheEntry(id: string, scope: string, file: CacheableFile, bytes: number, now: number): CachedFile {
  const span = file.minTime && file.maxTime ? { minTime: file.minTime, maxTime: file.maxTime } : {};
  return { id, scope, key: file.key, etag: file.etag, date: file.date, hour: file.hour, rows: file.rows, ...span, bytes, storedAt: now, lastUsed: now };
}
