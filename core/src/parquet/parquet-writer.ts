import {
  columnFromArray,
  float64,
  int32,
  tableFromColumns,
  tableToIPC,
  timestamp,
  TimeUnit,
  utf8,
  type Column,
} from '@uwdata/flechette';
import { EVENT_COLUMNS, SCHEMA_VERSION, type ColumnKind, type EventRow } from '../schema/event-columns';

/**
 * The subset of parquet-wasm the writer needs. Each runtime initialises parquet-wasm its own way
 * (Workers: a CompiledWasm module and initSync; Node: the package's node build) and passes it in.
 */
export interface ParquetWasm {
  Table: { fromIPCStream(ipc: Uint8Array): unknown };
  WriterPropertiesBuilder: new () => ParquetWriterPropertiesBuilder;
  writeParquet(table: never, properties?: never): Uint8Array;
  Compression: { ZSTD: number };
}

interface ParquetWriterPropertiesBuilder {
  setCompression(value: number): ParquetWriterPropertiesBuilder;
  setMaxRowGroupSize(value: number): ParquetWriterPropertiesBuilder;
  setCreatedBy(value: string): ParquetWriterPropertiesBuilder;
  setKeyValueMetadata(value: Map<string, string>): ParquetWriterPropertiesBuilder;
  build(): unknown;
}

/** Rows per row group: big enough for good compression, small enough to prune by time. */
export const ROW_GROUP_SIZE = 64 * 1024;

const ARROW_TYPES = {
  string: () => utf8(),
  timestamp: () => timestamp(TimeUnit.MILLISECOND),
  float64: () => float64(),
  int32: () => int32(),
} satisfies Record<ColumnKind, () => unknown>;

/** Encodes event rows as ZSTD Parquet in the documented schema, in the order given. */
export function encodeEventsParquet(rows: readonly EventRow[], parquet: ParquetWasm): Uint8Array {
  if (rows.length === 0) throw new Error('encodeEventsParquet: no rows to write');
  const columns: Record<string, Column<unknown>> = {};
  for (const spec of EVENT_COLUMNS) {
    const values = rows.map((row) => row[spec.name]);
    columns[spec.name] = columnFromArray(values, ARROW_TYPES[spec.kind]() as never, {
      maxBatchRows: ROW_GROUP_SIZE,
    }) as Column<unknown>;
  }
  const ipc = tableToIPC(tableFromColumns(columns), { format: 'stream' });
  if (!ipc) throw new Error('encodeEventsParquet: Arrow IPC encoding produced no bytes');
  const table = parquet.Table.fromIPCStream(ipc);
  const properties = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setMaxRowGroupSize(ROW_GROUP_SIZE)
    .setCreatedBy('privacy-analytics edge')
    .setKeyValueMetadata(new Map([['schema_version', String(SCHEMA_VERSION)]]))
    .build();
  return parquet.writeParquet(table as never, properties as never);
}
