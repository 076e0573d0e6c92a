import { toHex } from '@privacy-analytics/core/privacy';
import { SCHEMA_VERSION, type EventRow } from '@privacy-analytics/core/schema';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { decodeStoredEvents } from './parquet-reader';
import { encodeEventsParquet, parseEventFileKey } from '@privacy-analytics/core/parquet';
import { encodeRollupParquet, rollupKeyOf, rollupRows } from '@privacy-analytics/core/rollups';
import { parquetForWorkers } from './parquet-wasm-workers';

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

export class MissingEventFileError extends Error {
  override name = 'MissingEventFileError';
}

/**
 * Stores one encoded event file and describes it for the manifest. R2 verifies the SHA-256 on
 * upload, and the same digest is kept in the object's metadata and in the catalog, so anyone
 * holding the manifest can check a download end to end.
 */
export async function putEventFile(
  bucket: R2Bucket,
  key: string,
  bytes: Uint8Array,
  rows: readonly Pick<EventRow, 'timestamp'>[],
  createdAt = new Date().toISOString(),
): Promise<ManifestEntry> {
  const parsed = parseEventFileKey(key);
  if (!parsed) throw new Error(`putEventFile: "${key}" is not an event file key`);
  if (rows.length === 0) throw new Error(`putEventFile: no rows for "${key}"`);
  let min = Infinity;
  let max = -Infinity;
  for (const row of rows) {
    if (row.timestamp < min) min = row.timestamp;
    if (row.timestamp > max) max = row.timestamp;
  }
  const minTime = new Date(min).toISOString();
  const maxTime = new Date(max).toISOString();
  const sha256 = await sha256OfBytes(bytes);
  const object = await bucket.put(key, bytes, {
    sha256,
    httpMetadata: { contentType: PARQUET_CONTENT_TYPE },
    customMetadata: { rows: String(rows.length), minTime, maxTime, schemaVersion: String(SCHEMA_VERSION), sha256 },
  });
  return { key, date: parsed.date, hour: parsed.hour, bytes: bytes.byteLength, rows: rows.length, minTime, maxTime, etag: object.httpEtag, sha256, createdAt };
}

/**
 * Writes an event file and its rollup (rollups/… beside events/…), both computed from these rows, and describes the
 * pair for the manifest. The rollup goes first: a listed event file always has its rollup in R2. Every writer of
 * event files (flush, compaction, erasure rewrite) comes through here.
 */
export async function putEventFileWithRollup(bucket: R2Bucket, key: string, rows: readonly EventRow[], createdAt = new Date().toISOString()): Promise<ManifestEntry> {
  const parquet = parquetForWorkers();
  const rollupKey = rollupKeyOf(key);
  const rollupBytes = encodeRollupParquet(rollupRows(rows), parquet);
  const rollup = await bucket.put(rollupKey, rollupBytes, {
    httpMetadata: { contentType: PARQUET_CONTENT_TYPE },
    customMetadata: { eventFile: key, schemaVersion: String(SCHEMA_VERSION) },
  });
  const entry = await putEventFile(bucket, key, encodeEventsParquet(rows, parquet), rows, createdAt);
  return { ...entry, rollup: { key: rollupKey, bytes: rollupBytes.byteLength, etag: rollup.httpEtag } };
}

/** The keys to delete with event files: each one and its rollup (a missing rollup is no error to R2). */
export function withRollupKeys(keys: readonly string[]): string[] {
  return keys.flatMap((key) => (key.startsWith('events/') ? [key, rollupKeyOf(key)] : [key]));
}

export async function getEventFileBytes(bucket: R2Bucket, key: string): Promise<Uint8Array> {
  const object = await bucket.get(key);
  if (!object) throw new MissingEventFileError(`event file "${key}" is listed in the manifest but missing from R2`);
  return new Uint8Array(await object.arrayBuffer());
}

export async function readEventFile(bucket: R2Bucket, key: string): Promise<EventRow[]> {
  return decodeStoredEvents(await getEventFileBytes(bucket, key), key);
}

export async function sha256OfBytes(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
}
