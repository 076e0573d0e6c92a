/** npm run bench: the ingest benchmarks, results written to bench/RESULTS.md. */
import { benchIngestLoad } from './ingest-load';
import { benchParquetWriters } from './parquet-writers';
import { EVENT_COLUMNS } from '../../worker-edge/src/schema/event-columns';
import { machineLine, writeResultsSection } from './results-file';

const RUDDERSTACK_PUBLISHED_EVENTS_PER_SECOND = 1700;

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 20);
  console.log('[bench] Parquet writers: CPU time per 10,000 rows');
  const writers = await benchParquetWriters();
  console.table(writers);
  console.log(`[bench] ingest load: batches of 20 against wrangler dev on loopback, ${seconds} s per level`);
  const load = await benchIngestLoad({ seconds, concurrency: [1, 8, 32] });
  console.table(load);
  const best = Math.max(...load.map((r) => r.eventsPerSecond));
  writeResultsSection(
    'ingest',
    `## Ingest (edge collector)

Machine: ${machineLine()}. Load generator and workerd share the same 2 cores.

### Throughput and latency: \`POST /v1/batch\`, 20 events per request, wrangler dev (workerd, local Durable Objects and R2), loopback

| requests in flight | events/s | p50 latency | p99 latency | requests | errors |
|---:|---:|---:|---:|---:|---:|
${load.map((r) => `| ${r.concurrency} | ${Math.round(r.eventsPerSecond).toLocaleString('en-US')} | ${r.p50Ms.toFixed(1)} ms | ${r.p99Ms.toFixed(1)} ms | ${r.requests} | ${r.errors} |`).join('\n')}

Reference: RudderStack's published figure, about ${RUDDERSTACK_PUBLISHED_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s on a 2-core server (target: ten times that, ${(RUDDERSTACK_PUBLISHED_EVENTS_PER_SECOND * 10).toLocaleString('en-US')}).
Best here: ${Math.round(best).toLocaleString('en-US')} events/s = ${(best / RUDDERSTACK_PUBLISHED_EVENTS_PER_SECOND).toFixed(1)}x the reference.

### Parquet writing: CPU time per 10,000 event rows (demo data, all ${EVENT_COLUMNS.length} columns)

| writer | codec | CPU ms / 10k rows | file bytes / 10k rows |
|---|---|---:|---:|
${writers.map((w) => `| ${w.writer} | ${w.codec} | ${w.cpuMsPer10k.toFixed(1)} | ${w.bytesPer10k.toLocaleString('en-US')} |`).join('\n')}

The edge uses parquet-wasm with ZSTD: hyparquet-writer has no ZSTD compressor that runs in Workers.`,
  );
  console.log('[bench] wrote bench/RESULTS.md');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
