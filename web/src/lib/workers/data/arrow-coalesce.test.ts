import { Bool, Float64, Int32, Table, TimestampMillisecond, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { joinIpcStreams, splitIpcStream } from './arrow-ipc';
import { coalesceIpcStream } from './arrow-coalesce';

function chunk(start: number, rows: number): Uint8Array {
  const idx = Array.from({ length: rows }, (_, i) => start + i);
  return tableToIPC(
    new Table({
      s: vectorFromArray(idx.map((i) => (i % 3 === 0 ? null : `v${i}${'x'.repeat(i % 5)}`)), new Utf8()),
      f: vectorFromArray(idx.map((i) => (i % 4 === 0 ? null : i / 2)), new Float64()),
      n: vectorFromArray(idx.map((i) => i), new Int32()),
      t: vectorFromArray(idx.map((i) => (i % 7 === 0 ? null : Date.UTC(2026, 0, 1) + i * 1000)), new TimestampMillisecond()),
      b: vectorFromArray(idx.map((i) => (i % 5 === 0 ? null : i % 2 === 0)), new Bool()),
    }),
    'stream',
  );
}

function rowsOf(stream: Uint8Array) {
  return tableFromIPC(stream).toArray().map((r) => ({ ...r.toJSON() }));
}

describe('coalesceIpcStream', () => {
  it('makes one batch with the same rows, nulls and strings, whatever the chunk sizes', () => {
    const sizes = [13, 1, 8, 27, 64, 5];
    const parts = sizes.map((size, i) => splitIpcStream(chunk(sizes.slice(0, i).reduce((a, b) => a + b, 0), size)));
    const joined = joinIpcStreams(parts[0]!.schema, parts.map((p) => p.batches));
    expect(tableFromIPC(joined).batches).toHaveLength(sizes.length);
    const one = coalesceIpcStream(joined);
    expect(one).not.toBeNull();
    expect(tableFromIPC(one!).batches).toHaveLength(1);
    expect(rowsOf(one!)).toEqual(rowsOf(joined));
    expect(tableFromIPC(one!).getChild('s')!.nullCount).toBe(tableFromIPC(joined).getChild('s')!.nullCount);
  });

  it('groups batches up to the target size', () => {
    const parts = [0, 10, 20, 30, 40].map((start) => splitIpcStream(chunk(start, 10)));
    const joined = joinIpcStreams(parts[0]!.schema, parts.map((p) => p.batches));
    const grouped = coalesceIpcStream(joined, 20)!;
    expect(tableFromIPC(grouped).batches.map((b) => b.numRows)).toEqual([20, 20, 10]);
    expect(rowsOf(grouped)).toEqual(rowsOf(joined));
  });

  it('leaves a single batch, or batches already large enough, alone', () => {
    expect(coalesceIpcStream(chunk(0, 10))).toBeNull();
    const parts = [0, 10].map((start) => splitIpcStream(chunk(start, 10)));
    expect(coalesceIpcStream(joinIpcStreams(parts[0]!.schema, parts.map((p) => p.batches)), 5)).toBeNull();
  });
});
