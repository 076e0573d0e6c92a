import { Table, Utf8, tableFromArrays, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import * as parquetWasm from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import { joinIpcStreams, sameBytes, splitIpcStream } from './arrow-ipc';

function stream(values: number[], names: string[]): Uint8Array {
  return tableToIPC(new Table({ n: vectorFromArray(Float64Array.from(values)), s: vectorFromArray(names, new Utf8()) }), 'stream');
}

describe('splitIpcStream / joinIpcStreams', () => {
  it('joins streams of one schema into a stream with all their rows, in order', () => {
    const a = splitIpcStream(stream([1, 2], ['a', 'b']));
    const b = splitIpcStream(stream([3], ['c']));
    expect(sameBytes(a.schema, b.schema)).toBe(true);
    const joined = tableFromIPC(joinIpcStreams(a.schema, [a.batches, b.batches]));
    expect(joined.toArray().map((r) => [r.n, r.s])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('handles the streams parquet-wasm writes (the ones the data worker splices)', () => {
    const parquet = (values: number[]) => {
      const table = parquetWasm.Table.fromIPCStream(tableToIPC(tableFromArrays({ x: Int32Array.from(values) }), 'stream'));
      return parquetWasm.readParquet(parquetWasm.writeParquet(table)).intoIPCStream();
    };
    const a = splitIpcStream(parquet([1, 2, 3]));
    const b = splitIpcStream(parquet([4, 5]));
    expect(sameBytes(a.schema, b.schema)).toBe(true);
    const joined = tableFromIPC(joinIpcStreams(a.schema, [a.batches, b.batches, a.batches]));
    expect(joined.getChild('x')!.toArray()).toEqual(Int32Array.from([1, 2, 3, 4, 5, 1, 2, 3]));
  });

  it('tells different schemas apart and refuses bytes that are not a stream', () => {
    const other = splitIpcStream(tableToIPC(tableFromArrays({ y: Float64Array.from([1]) }), 'stream'));
    expect(sameBytes(splitIpcStream(stream([1], ['a'])).schema, other.schema)).toBe(false);
    expect(() => splitIpcStream(new Uint8Array([1, 2, 3]))).toThrow('Arrow IPC stream of 3 bytes is too short');
    expect(() => splitIpcStream(new Uint8Array([255, 255, 255, 255, 0, 1, 0, 0, 0, 0, 0, 0]))).toThrow(/does not fit a 12-byte stream/);
  });
});
