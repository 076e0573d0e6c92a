/**
 * The files a load reads: where each comes from (the edge, the IndexedDB cache, a local file) and how its bytes are
 * read and decoded. A cached copy that does not decode is dropped and downloaded again.
 */
import type { ColumnSpec } from '@privacy-analytics/core/schema';
import type { FileSpan, LoadFailure, SourceOrigin } from '../../engine/data-engine';
import { errorMessage } from '../../engine/errors';
import type { CachedFile } from '../../engine/local-db';
import type { ManifestFile } from '../../edge/edge-client';
import type { FileCache } from './file-cache';
import { decodeEventsParquet, type DecodedEvents } from './parquet-decoder';

/** One file to load: where it comes from and how to get its bytes. */
export interface Source {
  key: string;
  bytes: number;
  origin: SourceOrigin;
  read: (signal: AbortSignal) => Promise<{ bytes: Uint8Array; attempts: number; origin: SourceOrigin; etag?: string | null }>;
  /** a cached copy failed to decode: drop it and, when possible, download again */
  onBadCopy?: () => Promise<Source | null>;
  manifest?: ManifestFile;
  /** the version of the file this source reads (manifest or cache entry), to recognise it in a later load */
  etag?: string;
  /** its rows and time span, when the manifest or the cache entry tells them */
  span?: FileSpan;
  /** the file's date partition (YYYY-MM-DD); null for a local file */
  date: string | null;
}

/** A file's rows and time span, from its manifest entry or cache entry; undefined when either end is unknown. */
export function spanOf({ rows, minTime, maxTime }: { rows: number; minTime?: string | undefined; maxTime?: string | undefined }): FileSpan | undefined {
  return minTime && maxTime ? { rows, minTime, maxTime } : undefined;
}

/** The sources' spans, or null when any of them is unknown (an index missing files would draw a wrong chart). */
export function fileIndex(sources: readonly Pick<Source, 'span'>[]): FileSpan[] | null {
  const spans = sources.map((s) => s.span);
  return spans.every((s): s is FileSpan => s !== undefined) && spans.length > 0 ? spans : null;
}

export function fromCache(cache: FileCache, entry: CachedFile): Source {
  return {
    key: entry.key,
    bytes: entry.bytes,
    origin: 'cache',
    etag: entry.etag,
    span: spanOf(entry),
    date: entry.date,
    read: async () => {
      const bytes = await cache.read(entry);
      if (!bytes) throw new Error(`${entry.key}: the cached copy has disappeared (cleared in another tab?)`);
      return { bytes, attempts: 1, origin: 'cache' };
    },
  };
}

export type SourceRead = Awaited<ReturnType<Source['read']>>;

export type Prepared = { ok: true; source: Source; read: SourceRead; decoded: DecodedEvents } | { ok: false; failure: LoadFailure };

/** Reads a source and decodes it; a cached copy that does not decode is dropped and downloaded again. */
export async function readAndDecode(source: Source, columns: readonly ColumnSpec[], signal: AbortSignal, onDecodeMs?: (ms: number) => void): Promise<Prepared> {
  const decode = async (bytes: Uint8Array, label: string) => {
    const started = performance.now();
    try {
      return await decodeEventsParquet(bytes, columns, label);
    } finally {
      onDecodeMs?.(performance.now() - started);
    }
  };
  let read: SourceRead;
  try {
    read = await source.read(signal);
  } catch (error) {
    return { ok: false, failure: { key: source.key, error: errorMessage(error), attempts: (error as { attempts?: number }).attempts ?? 1 } };
  }
  try {
    return { ok: true, source, read, decoded: await decode(read.bytes, source.key) };
  } catch (error) {
    const again = source.onBadCopy ? await source.onBadCopy().catch(() => null) : null;
    if (!again) return { ok: false, failure: { key: source.key, error: errorMessage(error), attempts: read.attempts } };
    try {
      const fresh = await again.read(signal);
      return { ok: true, source: again, read: fresh, decoded: await decode(fresh.bytes, again.key) };
    } catch (retryError) {
      return { ok: false, failure: { key: source.key, error: errorMessage(retryError), attempts: (retryError as { attempts?: number }).attempts ?? 1 } };
    }
  }
}
