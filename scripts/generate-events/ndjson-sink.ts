import { createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { serializeMessage } from '@privacy-analytics/core/demo-data';
import { forEachMessage, type MessageSink, type MessageSource } from './message-sink';

const CHUNK_BYTES = 1 << 20;

/** Writes messages as NDJSON to a stream in ~1 MiB chunks, honouring backpressure. Does not end the stream. */
export async function writeNdjson(messages: MessageSource, stream: Writable): Promise<void> {
  let failure: unknown;
  const onError = (err: unknown) => {
    failure = err;
  };
  stream.on('error', onError);
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  const flush = (): Promise<void> | undefined => {
    if (failure) throw failure;
    const ok = stream.write(chunk.subarray(0, used));
    chunk = Buffer.allocUnsafe(CHUNK_BYTES); // the stream keeps the written buffer
    used = 0;
    if (ok) return undefined;
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        stream.removeListener('error', fail);
        resolve();
      };
      const fail = (err: unknown) => {
        stream.removeListener('drain', done);
        reject(err);
      };
      stream.once('drain', done);
      stream.once('error', fail);
    });
  };
  try {
    await forEachMessage(messages, (m) => {
      const line = serializeMessage(m);
      let pending: Promise<void> | undefined;
      // A UTF-16 code unit takes at most 3 bytes in UTF-8.
      if (used + line.length * 3 + 1 > chunk.length) {
        if (used > 0) pending = flush();
        if (line.length * 3 + 1 > chunk.length) chunk = Buffer.allocUnsafe(line.length * 3 + 1);
      }
      used += chunk.write(line, used);
      chunk[used++] = 10;
      return pending;
    });
    if (used > 0) await flush();
    if (failure) throw failure;
  } finally {
    stream.removeListener('error', onError);
  }
}

function endStream(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/**
 * NDJSON sink for stdout ('-') or a file. A regular file is written to `<path>.partial` and renamed
 * when complete (no half-written files on failure); special files (/dev/null, FIFOs) are written directly.
 */
export function ndjsonSink(out: string): MessageSink {
  return async (messages) => {
    if (out === '-') {
      await writeNdjson(messages, process.stdout);
      return;
    }
    const existing = statSync(out, { throwIfNoEntry: false });
    if (existing && !existing.isFile()) {
      const stream = createWriteStream(out, { highWaterMark: 1 << 20 });
      try {
        await writeNdjson(messages, stream);
      } finally {
        await endStream(stream);
      }
      return;
    }
    mkdirSync(dirname(out), { recursive: true });
    const partial = `${out}.partial`;
    const stream = createWriteStream(partial, { highWaterMark: 1 << 20 });
    try {
      await writeNdjson(messages, stream);
      await endStream(stream);
      renameSync(partial, out);
    } catch (err) {
      stream.end();
      rmSync(partial, { force: true });
      throw err;
    }
  };
}
