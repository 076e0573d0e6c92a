/**
 * The Parquet form of a rollup file: one row per RollupRow, ZSTD, written beside its event file under the same name,
 *   rollups/site=<site>/date=<YYYY-MM-DD>/[hour=<HH>/]<name>.parquet
 */
import { binary, columnFromArray, float64, int32, tableFromColumns, tableToIPC, timestamp, TimeUnit, utf8, type Column } from '@uwdata/flechette';
import type { ParquetWasm } from '../parquet/parquet-writer';
import { ROLLUP_DIMENSIONS, type RollupDimension, type RollupRow } from './rollup-rows';
import { SKETCH_PRECISION } from './distinct-sketch';

export const ROLLUP_SCHEMA_VERSION = 1;

export const ROLLUP_COLUMNS = [
  { name: 'bucket', kind: 'timestamp', doc: 'start of the UTC hour' },
  { name: 'dimension', kind: 'string', doc: `one of ${ROLLUP_DIMENSIONS.join(', ')}` },
  { name: 'value', kind: 'string', doc: "the dimension's value; null when empty, always null for total" },
  { name: 'events', kind: 'int32', doc: 'events (page views for page_path)' },
  { name: 'page_views', kind: 'int32', doc: 'events of type page or screen' },
  { name: 'orders', kind: 'int32', doc: 'events named Order Completed' },
  { name: 'revenue', kind: 'float64', doc: 'sum of revenue on those' },
  { name: 'visitors', kind: 'binary', doc: `DistinctSketch of the persons (precision ${SKETCH_PRECISION})` },
  { name: 'sessions', kind: 'int32', doc: 'session fragments of this file starting in the hour (total only)' },
  { name: 'bounces', kind: 'int32', doc: 'fragments with one page view and no track event (total only)' },
  { name: 'session_seconds', kind: 'float64', doc: 'sum of fragment durations (total only)' },
] as const satisfies readonly { name: keyof RollupRow; kind: string; doc: string }[];

const TYPES = { timestamp: () => timestamp(TimeUnit.MILLISECOND), string: () => utf8(), int32: () => int32(), float64: () => float64(), binary: () => binary() };

export function encodeRollupParquet(rows: readonly RollupRow[], parquet: ParquetWasm): Uint8Array {
  if (rows.length === 0) throw new Error('encodeRollupParquet: no rows to write');
  const columns: Record<string, Column<unknown>> = {};
  for (const spec of ROLLUP_COLUMNS) {
    columns[spec.name] = columnFromArray(rows.map((row) => row[spec.name]), TYPES[spec.kind]() as never) as Column<unknown>;
  }
  const ipc = tableToIPC(tableFromColumns(columns), { format: 'stream' });
  if (!ipc) throw new Error('encodeRollupParquet: Arrow IPC encoding produced no bytes');
  const properties = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setCreatedBy('privacy-analytics edge')
    .setKeyValueMetadata(new Map([['rollup_schema_version', String(ROLLUP_SCHEMA_VERSION)], ['sketch_precision', String(SKETCH_PRECISION)]]))
    .build();
  return parquet.writeParquet(parquet.Table.fromIPCStream(ipc) as never, properties as never);
}

const DIMENSIONS: ReadonlySet<string> = new Set(ROLLUP_DIMENSIONS);
const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v ?? 0));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));

/** A decoded row (Arrow objects: bigint, Date or number timestamps) as a RollupRow; throws on anything else. */
export function toRollupRow(raw: Record<string, unknown>): RollupRow {
  const dimension = String(raw.dimension);
  if (!DIMENSIONS.has(dimension)) throw new Error(`rollup row: unknown dimension "${dimension.slice(0, 40)}"`);
  const visitors = raw.visitors;
  if (!(visitors instanceof Uint8Array)) throw new Error('rollup row: visitors is not binary');
  const bucket = raw.bucket instanceof Date ? raw.bucket.getTime() : num(raw.bucket);
  return {
    bucket,
    dimension: dimension as RollupDimension,
    value: raw.value === null || raw.value === undefined ? null : String(raw.value),
    events: num(raw.events),
    page_views: num(raw.page_views),
    orders: num(raw.orders),
    revenue: num(raw.revenue),
    visitors,
    sessions: numOrNull(raw.sessions),
    bounces: numOrNull(raw.bounces),
    session_seconds: numOrNull(raw.session_seconds),
  };
}

/** Where the rollup of an event file lives: `events/` replaced by `rollups/`, the rest of the key unchanged. */
export function rollupKeyOf(eventKey: string): string {
  if (!eventKey.startsWith('events/')) throw new Error(`rollupKeyOf: "${eventKey.slice(0, 200)}" is not an event file key`);
  return `rollups/${eventKey.slice('events/'.length)}`;
}

/** The event file a rollup key belongs to, or null when it is not a rollup key. */
export function eventKeyOfRollup(key: string): string | null {
  return key.startsWith('rollups/') ? `events/${key.slice('rollups/'.length)}` : null;
}
