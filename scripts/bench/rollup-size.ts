/**
 * Rollup bytes against event bytes for demo data, as the edge would store them after compaction (day-level parts of
 * at most 50,000 rows, each with its rollup) and, for comparison, as one rollup per day.
 *   npx tsx scripts/bench/rollup-size.ts [events=1000000] [days=30] [--no-value-sketches]
 * --no-value-sketches: what the rollups would weigh with visitor sketches only on the KPI rows (`total`, `event`),
 * i.e. breakdown values with counts but no visitors (not what the edge writes; for the docs' size discussion).
 */
import * as parquetWasm from 'parquet-wasm/node';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
import { factsFromMessageTime, messagesToRows } from '@privacy-analytics/core/ingest';
import { HmacIdHasher } from '@privacy-analytics/core/privacy';
import { encodeEventsParquet, partitionOf, type ParquetWasm } from '@privacy-analytics/core/parquet';
import { DistinctSketch, encodeRollupParquet, rollupRows as fullRollupRows, sketchPrecisionOf, type RollupRow } from '@privacy-analytics/core/rollups';
import type { EventRow } from '@privacy-analytics/core/schema';

const PART_ROWS = 50_000;
const valueSketches = !process.argv.includes('--no-value-sketches');
const empty = (dimension: RollupRow['dimension']) => new DistinctSketch(sketchPrecisionOf(dimension)).encode();
const rollupRows = (rows: readonly EventRow[]): RollupRow[] =>
  valueSketches ? fullRollupRows(rows) : fullRollupRows(rows).map((r) => (r.dimension === 'total' || r.dimension === 'event' ? r : { ...r, visitors: empty(r.dimension) }));
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const events = Number(args[0] ?? 1_000_000);
const days = Number(args[1] ?? 30);
const parquet = parquetWasm as unknown as ParquetWasm;

const byDay = new Map<string, EventRow[]>();
const messages = generateDemoEvents({ seed: 42, events, days, start: new Date('2026-10-24T00:00:00Z') });
let rows = 0;
for await (const outcome of messagesToRows(messages, (raw) => factsFromMessageTime(raw), { site: 'demo', hasher: new HmacIdHasher('size-key'), queryParams: [], scrub: false })) {
  if (outcome.kind !== 'row') continue;
  const date = partitionOf(outcome.row.timestamp).date;
  const list = byDay.get(date);
  if (list) list.push(outcome.row);
  else byDay.set(date, [outcome.row]);
  rows++;
}
let eventBytes = 0;
let partRollupBytes = 0;
let dayRollupBytes = 0;
let parts = 0;
for (const dayRows of byDay.values()) {
  dayRows.sort((a, b) => a.timestamp - b.timestamp);
  dayRollupBytes += encodeRollupParquet(rollupRows(dayRows), parquet).byteLength;
  for (let i = 0; i < dayRows.length; i += PART_ROWS) {
    const part = dayRows.slice(i, i + PART_ROWS);
    eventBytes += encodeEventsParquet(part, parquet).byteLength;
    partRollupBytes += encodeRollupParquet(rollupRows(part), parquet).byteLength;
    parts++;
  }
}
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
console.log(JSON.stringify({ valueSketches, events: rows, days: byDay.size, parts, eventBytes, partRollupBytes, dayRollupBytes }));
console.log(`${rows} events over ${byDay.size} days: events ${mb(eventBytes)} in ${parts} parts; rollups ${mb(partRollupBytes)} (one per part), ${mb(dayRollupBytes)} (one per day)`);
