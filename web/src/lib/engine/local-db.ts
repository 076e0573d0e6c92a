import Dexie, { type EntityTable } from 'dexie';

/** What the cache knows about one downloaded Parquet file; the bytes live in `bodies` under the same id. */
export interface CachedFile {
  /** `${scope} ${key}`: one entry per file of a connection; a new ETag replaces the old entry */
  id: string;
  /** `${edgeUrl} ${site}` */
  scope: string;
  key: string;
  etag: string;
  date: string;
  hour: number | null;
  bytes: number;
  rows: number;
  /** span of the file's timestamps, from the manifest (absent in entries cached before it was kept) */
  minTime?: string;
  maxTime?: string;
  storedAt: number;
  lastUsed: number;
}

export interface CachedBody {
  id: string;
  data: Uint8Array;
}

/** An overview saved on this device (the facade's savedOverview / saveOverview); see SavedOverview. */
export interface SavedOverviewRow {
  /** `${scope} ${spec key}` */
  id: string;
  scope: string;
  savedAt: number;
  value: unknown;
}

export interface Setting {
  name: string;
  value: unknown;
}

export const DEFAULT_DATABASE_NAME = 'pa-dashboard';

/**
 * The dashboard's IndexedDB: downloaded partitions (metadata apart from bytes, so LRU scans stay cheap) and small
 * settings such as the edge connection. Opened by the facade (settings) and by the data worker (files).
 */
export class LocalDb extends Dexie {
  files!: EntityTable<CachedFile, 'id'>;
  bodies!: EntityTable<CachedBody, 'id'>;
  settings!: EntityTable<Setting, 'name'>;
  overviews!: EntityTable<SavedOverviewRow, 'id'>;

  constructor(name = DEFAULT_DATABASE_NAME) {
    super(name);
    this.version(1).stores({
      files: 'id, scope, [scope+date], lastUsed',
      bodies: 'id',
      settings: 'name',
    });
    // 2: the last overviews shown, kept to draw a warm visit at once (confirmed against the manifest before use)
    this.version(2).stores({ overviews: 'id, scope, savedAt' });
  }
}

export function cacheScope(edgeUrl: string, site: string): string {
  return `${edgeUrl.replace(/\/+$/, '')} ${site}`;
}
