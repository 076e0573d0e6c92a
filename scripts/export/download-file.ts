import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportFile } from '@privacy-analytics/core/edge-api';

export class ChecksumError extends Error {
  override name = 'ChecksumError';
}

export type LocalState = 'missing' | 'verified' | 'mismatch';

/** Whether a file already on disk is exactly the listed one (size, then SHA-256). */
export async function checkLocalFile(path: string, file: ExportFile): Promise<LocalState> {
  const info = await stat(path).catch(() => null);
  if (!info) return 'missing';
  if (info.size !== file.bytes) return 'mismatch';
  if (file.sha256 === null) return 'verified';
  return (await sha256OfFile(path)) === file.sha256 ? 'verified' : 'mismatch';
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * Streams one file to `<path>.partial`, hashing as it goes, and renames it into place only when
 * size and SHA-256 match the listing, so a file at `path` is always a verified one.
 */
export async function downloadFile(url: string, token: string, path: string, file: ExportFile): Promise<void> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok || !response.body) {
    throw new Error(`GET ${file.key}: HTTP ${response.status} ${(await response.text().catch(() => '')).slice(0, 300)}`);
  }
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), tap, createWriteStream(partial));
    if (bytes !== file.bytes) throw new ChecksumError(`${file.key}: size mismatch, expected ${file.bytes} bytes, received ${bytes}`);
    const digest = hash.digest('hex');
    if (file.sha256 !== null && digest !== file.sha256) throw new ChecksumError(`${file.key}: checksum mismatch, expected sha256 ${file.sha256}, received ${digest}`);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
