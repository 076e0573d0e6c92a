/**
 * Splicing Arrow IPC streams of the same schema into one, so that many small Parquet files become one DuckDB insert
 * (each insertArrowFromIPCStream call costs milliseconds of planning, whatever its size).
 *
 * A stream is: schema message, record batch messages, end-of-stream marker. Each message starts with the
 * continuation marker 0xFFFFFFFF and an int32 metadata length (older writers: the length alone); a schema
 * message has no body. Streams with dictionary batches are not spliced (see `IpcStreamParts.hasDictionaries`).
 */

const CONTINUATION = 0xffffffff;

export interface IpcStreamParts {
  /** the schema message, bytes as written */
  schema: Uint8Array;
  /** everything between the schema message and the end-of-stream marker */
  batches: Uint8Array;
}

/** Splits a stream into its schema message and its batch messages; throws on a stream it cannot frame. */
export function splitIpcStream(stream: Uint8Array): IpcStreamParts {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  if (stream.byteLength < 8) throw new Error(`Arrow IPC stream of ${stream.byteLength} bytes is too short`);
  const continued = view.getUint32(0, true) === CONTINUATION;
  const prefix = continued ? 8 : 4;
  const metadataLength = view.getInt32(continued ? 4 : 0, true);
  const schemaEnd = prefix + metadataLength;
  if (metadataLength <= 0 || schemaEnd > stream.byteLength) throw new Error(`Arrow IPC schema message of ${metadataLength} bytes does not fit a ${stream.byteLength}-byte stream`);
  let end = stream.byteLength;
  if (end - schemaEnd >= 8 && view.getUint32(end - 8, true) === CONTINUATION && view.getInt32(end - 4, true) === 0) end -= 8;
  else if (end - schemaEnd >= 4 && view.getInt32(end - 4, true) === 0) end -= 4;
  return { schema: stream.subarray(0, schemaEnd), batches: stream.subarray(schemaEnd, end) };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One stream: the schema once, every part's batches in order, one end-of-stream marker. */
export function joinIpcStreams(schema: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
  const size = schema.byteLength + parts.reduce((n, p) => n + p.byteLength, 0) + 8;
  const out = new Uint8Array(size);
  out.set(schema, 0);
  let at = schema.byteLength;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  new DataView(out.buffer).setUint32(at, CONTINUATION, true);
  return out;
}
