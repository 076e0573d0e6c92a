import { DataType, RecordBatch, Struct, Table, makeData, tableFromIPC, tableToIPC, type Data } from 'apache-arrow';

/**
 * Rewrites an Arrow IPC stream of many small record batches as one of batches of at least `targetRows` rows
 * (default: a single batch). DuckDB-Wasm's Arrow scan pays per batch, a lot with threads (its scan threads take
 * turns on the stream), and the edge's hourly files hold a few thousand rows each. Measured on 2 cores with 1M
 * events: 128 Ki-row inserts took 3.5-5 s as 90 small batches, 3-4 s as four 32 Ki-row batches, 1.5-2 s as one.
 * Returns null when there is nothing to gain or a column type is not one the event schema uses; the caller then
 * inserts the stream as it is.
 */
export function coalesceIpcStream(stream: Uint8Array, targetRows = Number.POSITIVE_INFINITY): Uint8Array | null {
  const table = tableFromIPC(stream);
  if (table.batches.length <= 1 || !table.schema.fields.every((f) => supported(f.type))) return null;
  const groups: RecordBatch[][] = [[]];
  let rows = 0;
  for (const batch of table.batches) {
    if (rows >= targetRows) {
      groups.push([]);
      rows = 0;
    }
    groups.at(-1)!.push(batch);
    rows += batch.numRows;
  }
  if (groups.length === table.batches.length) return null;
  const batches = groups.map((group) => {
    const length = group.reduce((n, b) => n + b.numRows, 0);
    const children = table.schema.fields.map((field, i) => concatData(field.type, group.map((b) => b.data.children[i]!)));
    return new RecordBatch(table.schema, makeData({ type: new Struct(table.schema.fields), length, nullCount: 0, children }));
  });
  return tableToIPC(new Table(batches), 'stream');
}

function supported(type: DataType): boolean {
  return (
    DataType.isNull(type) ||
    DataType.isBool(type) ||
    DataType.isUtf8(type) ||
    DataType.isBinary(type) ||
    (fixedWidth(type) && !DataType.isDictionary(type))
  );
}

function fixedWidth(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isTimestamp(type) || DataType.isDate(type) || DataType.isTime(type) || DataType.isDecimal(type) || DataType.isDuration(type);
}

function concatData(type: DataType, chunks: readonly Data[]): Data {
  const length = chunks.reduce((n, d) => n + d.length, 0);
  if (DataType.isNull(type)) return makeData({ type, length });
  const nullCount = chunks.reduce((n, d) => n + d.nullCount, 0);
  const nullBitmap = nullCount > 0 ? concatBits(chunks, (d) => d.nullBitmap, length) : new Uint8Array(0);
  if (DataType.isBool(type)) return makeData({ type, length, nullCount, nullBitmap, data: concatBits(chunks, (d) => d.values as Uint8Array, length) });
  if (DataType.isUtf8(type) || DataType.isBinary(type)) {
    const valueOffsets = new Int32Array(length + 1);
    const bytes = chunks.reduce((n, d) => n + (d.valueOffsets[d.offset + d.length]! - d.valueOffsets[d.offset]!), 0);
    const data = new Uint8Array(bytes);
    let row = 0;
    let at = 0;
    for (const d of chunks) {
      const first = d.valueOffsets[d.offset]!;
      for (let i = 1; i <= d.length; i++) valueOffsets[row + i] = at + d.valueOffsets[d.offset + i]! - first;
      const end = d.valueOffsets[d.offset + d.length]!;
      data.set((d.values as Uint8Array).subarray(first, end), at);
      at += end - first;
      row += d.length;
    }
    return makeData({ type, length, nullCount, nullBitmap, valueOffsets, data } as never);
  }
  const first = chunks[0]!;
  const stride = first.stride;
  const ArrayType = (first.values as { constructor: new (n: number) => ArrayLike<unknown> & { set(a: ArrayLike<unknown>, at: number): void } }).constructor;
  const values = new ArrayType(length * stride);
  let at = 0;
  for (const d of chunks) {
    values.set((d.values as unknown as { subarray(a: number, b: number): ArrayLike<unknown> }).subarray(d.offset * stride, (d.offset + d.length) * stride), at);
    at += d.length * stride;
  }
  return makeData({ type, length, nullCount, nullBitmap, data: values } as never);
}

/** Concatenates bit-packed buffers (validity or booleans); a missing validity buffer means all valid. */
function concatBits(chunks: readonly Data[], pick: (d: Data) => Uint8Array | undefined, length: number): Uint8Array {
  const out = new Uint8Array((length + 7) >> 3);
  let pos = 0;
  for (const d of chunks) {
    const bits = pick(d);
    if (!bits || bits.length === 0) {
      for (let j = 0; j < d.length; j++) out[(pos + j) >> 3]! |= 1 << ((pos + j) & 7);
    } else {
      for (let j = 0; j < d.length; j++) {
        const k = d.offset + j;
        if ((bits[k >> 3]! >> (k & 7)) & 1) out[(pos + j) >> 3]! |= 1 << ((pos + j) & 7);
      }
    }
    pos += d.length;
  }
  return out;
}
