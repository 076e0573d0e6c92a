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

/**
 * Decodes one Parquet file of events (decodeEventsParquet, in this thread or a decode worker: see DecodePool). The
 * file's bytes come back with the result: a decode worker takes them and hands them back (transferred, not copied).
 */
export type Decoder = (bytes: Uint8Array, columns: readonly ColumnSpec[], label: string) => Promise<{ decoded: DecodedEvents; bytes: Uint8Array; ms: number }>;

/** The buffer a message can hand over without a copy, in a list (empty when the view spans only part of it). */
export function ownBuffer(view: Uint8Array): ArrayBuffer[] {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer ? [view.buffer] : [];
}

/** Decoding in this thread (`ms`: the decode's own time, as a decode worker reports it). */
export const decodeHere: Decoder = async (bytes, columns, label) => {
  const started = performance.now();
  const decoded = await decodeEventsParquet(bytes, columns, label);
  return { decoded, bytes, ms: performance.now() - started };
};

/** Reads a source and decodes it; a cached copy that does not decode is dropped and downloaded again. */
export async function readAndDecode(
  source: Source,
  columns: readonly ColumnSpec[],
  signal: AbortSignal,
  onDecodeMs?: (ms: number) => void,
  decoder: Decoder = decodeHere,
): Promise<Prepared> {
  /** the read with its bytes as they came back from the decoder, and the decoded rows */
  const decode = async (got: SourceRead, label: string): Promise<{ read: SourceRead; decoded: DecodedEvents }> => {
    // the decoders' own time (a decode worker's files decode side by side: their waits would count several times)
    const { decoded, bytes, ms } = await decoder(got.bytes, columns, label);
    onDecodeMs?.(ms);
    return { read: { ...got, bytes }, decoded };
  };
  let read: SourceRead;
  try {
    read = await source.read(signal);
  } catch (error) {
    return { ok: false, failure: { key: source.key, error: errorMessage(error), attempts: (error as { attempts?: number }).attempts ?? 1 } };
  }
  try {
    return { ok: true, source, ...(await decode(read, source.key)) };
  } catch (error) {
    const again = source.onBadCopy ? await source.onBadCopy().catch(() => null) : null;
    if (!again) return { ok: false, failure: { key: source.key, error: errorMessage(error), attempts: read.attempts } };
    try {
      const fresh = await again.read(signal);
      return { ok: true, source: again, ...(await decode(fresh, again.key)) };
    } catch (retryError) {
      return { ok: false, failure: { key: source.key, error: errorMessage(retryError), attempts: (retryError as { attempts?: number }).attempts ?? 1 } };
    }
  }
}
