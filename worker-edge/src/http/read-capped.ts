import { HttpError } from './http-error';

/**
 * All of `stream`'s bytes, stopping (and cancelling the stream) as soon as they pass `maxBytes`. A read that fails
 * (a damaged gzip body, a dropped connection) and a body too large become the caller's errors.
 */
export async function readCapped(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  errors: { unreadable: (message: string) => HttpError; tooLarge: (bytes: number) => HttpError },
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      throw errors.unreadable(cause instanceof Error ? cause.message : String(cause));
    }
    if (chunk.done) break;
    total += chunk.value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw errors.tooLarge(total);
    }
    chunks.push(chunk.value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
