import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import * as parquetNode from 'parquet-wasm/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_COLUMNS, type EventRow } from '@privacy-analytics/core/schema';
import { encodeEventsParquet, type ParquetWasm } from '@privacy-analytics/core/parquet';
import { resolveColumns } from './event-table';
import { ParquetFileError, decodeEventsParquet, initParquet } from './parquet-decoder';

function row(i: number): EventRow {
  const base = Object.fromEntries(EVENT_COLUMNS.map((c) => [c.name, c.nullable ? null : c.kind === 'string' ? '' : 0])) as EventRow;
  return { ...base, event_id: `e${i}`, timestamp: Date.UTC(2026, 0, 1, 0, i), received_at: Date.UTC(2026, 0, 1, 0, i, 1), type: 'page', event: i % 2 ? 'page' : 'Order Completed', site: 'demo', channel: 'direct', anonymous_id: `a${i % 3}`, revenue: i % 2 ? null : i * 1.5, properties: '{}', schema_version: 1 };
}

const rows = Array.from({ length: 300 }, (_, i) => row(i));
let edgeFile: Uint8Array;

beforeAll(async () => {
  const wasmPath = createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm');
  await initParquet(readFileSync(wasmPath));
  edgeFile = encodeEventsParquet(rows, parquetNode as unknown as ParquetWasm);
});

describe('decodeEventsParquet', () => {
  it('decodes an edge file whole, in table order, ready to be spliced', async () => {
    const decoded = await decodeEventsParquet(edgeFile, resolveColumns(undefined), 'f.parquet');
    expect(decoded).toMatchObject({ rows: 300, tableOrder: true, spliceable: true });
    const table = tableFromIPC(decoded.ipc);
    expect(table.schema.fields.map((f) => f.name)).toEqual(EVENT_COLUMNS.map((c) => c.name));
    expect(table.getChild('event_id')!.get(299)).toBe('e299');
  });

  it('decodes only the requested columns, with a schema that matches the data', async () => {
    const decoded = await decodeEventsParquet(edgeFile, resolveColumns(['revenue', 'timestamp', 'anonymous_id']), 'f.parquet');
    expect(decoded).toMatchObject({ rows: 300, tableOrder: true, names: ['timestamp', 'anonymous_id', 'revenue'] });
    const table = tableFromIPC(decoded.ipc);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['timestamp', 'anonymous_id', 'revenue']);
    expect(table.numRows).toBe(300);
    expect(table.getChild('anonymous_id')!.get(4)).toBe('a1');
    expect(table.getChild('revenue')!.get(4)).toBe(6);
    expect(table.getChild('revenue')!.get(5)).toBeNull();
    expect(decoded.ipc.byteLength).toBeLessThan((await decodeEventsParquet(edgeFile, resolveColumns(undefined), 'f.parquet')).ipc.byteLength / 4);
  });

  it('flags a file whose columns are in another order, so it goes through a staging table', async () => {
    const arrow = tableFromIPC(parquetNode.readParquet(edgeFile).intoIPCStream());
    const reversed = arrow.select([...EVENT_COLUMNS.map((c) => c.name)].reverse());
    const file = parquetNode.writeParquet(parquetNode.Table.fromIPCStream(tableToIPC(reversed, 'stream')));
    const decoded = await decodeEventsParquet(file, resolveColumns(undefined), 'reversed.parquet');
    expect(decoded).toMatchObject({ rows: 300, tableOrder: false, spliceable: false });
    expect(decoded.names[0]).toBe('schema_version');
  });

  it('names what is wrong with a file', async () => {
    await expect(decodeEventsParquet(new Uint8Array(5), resolveColumns(undefined), 'tiny.parquet')).rejects.toThrow('tiny.parquet: not a Parquet file (5 bytes, no PAR1 marker at start and end)');
    const broken = new Uint8Array(edgeFile);
    broken.fill(7, broken.byteLength - 200, broken.byteLength - 8);
    await expect(decodeEventsParquet(broken, resolveColumns(undefined), 'broken.parquet')).rejects.toThrow(/^broken\.parquet: damaged Parquet footer/);
    const other = parquetNode.writeParquet(parquetNode.Table.fromIPCStream(tableToIPC(tableFromIPC(parquetNode.readParquet(edgeFile).intoIPCStream()).select(['event', 'site']), 'stream')));
    const error = await decodeEventsParquet(other, resolveColumns(undefined), 'other.parquet').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParquetFileError);
    expect((error as Error).message).toMatch(/^other\.parquet: not in the event schema: missing columns event_id, timestamp, received_at, type, name, anonymous_id/);
    expect((error as Error).message).toContain('(the file has: event, site)');
    const fine = await decodeEventsParquet(other, resolveColumns(['site', 'event']), 'other.parquet');
    expect(fine).toMatchObject({ rows: 300, names: ['event', 'site'], tableOrder: true });
  });
});
