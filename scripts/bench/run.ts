/**
 * npm run bench [-- <section> ...]: runs the benchmarks (all by default) and writes each section of
 * bench/RESULTS.md. Sections: ingest, import (an orders CSV of BENCH_IMPORT_ROWS rows, default 1,000,000, through
 * `npm run import` and the edge), identity (re-linking BENCH_RELINK_PERSONS persons, default 1,000,000, with online and
 * offline ids and contact keys; DuckDB-Wasm beside native DuckDB), edge-cpu (CPU per event in workerd, the same code in Node beside it),
 * edge-sustained (`--minutes N`, default 10: storage per buffer shard under steady ingest, the dedup horizon
 * shortened to a quarter of the run or BENCH_DEDUP_HORIZON_SECONDS; BENCH_SUSTAINED_RATE events/s, default 400),
 * analytics, marketing, models, dashboard-load, dashboard-overview,
 * models-browser (BENCH_SCORING_ROWS rows scored per measurement, default 1,000,000; retraining on BENCH_EVENTS),
 * dashboard-instant (the "instant dashboard" targets at BENCH_EVENTS and ten times it; BENCH_INSTANT_SIZES to
 * choose, e.g. 1000000,10000000,30000000; BENCH_INSTANT_LIMIT_S per page, default 600).
 * BENCH_EVENTS sets the demo size for the data benchmarks (default 1,000,000); the analytics section runs it and
 * ten times it (BENCH_ANALYTICS_SIZES=1000000,10000000 to choose); BENCH_SECONDS the
 * ingest load duration per level (default 20). BENCH_ENGINE=coi|eh|mvp forces the DuckDB build of the
 * dashboard-overview page (default: the dashboard's own choice).
 */
import { analyticsMarkdown, benchAnalytics } from './analytics';
import { benchDashboardInstant, dashboardInstantMarkdown } from './dashboard-instant';
import { benchDashboardLoad, dashboardLoadMarkdown } from './dashboard-load';
import { benchDashboardOverview, dashboardOverviewMarkdown } from './dashboard-overview';
import { benchEdgeCpu, edgeCpuMarkdown } from './edge-cpu';
import { benchEdgeSustained, edgeSustainedMarkdown } from './edge-sustained';
import { benchIdentityRelink, identityRelinkMarkdown } from './identity-relink';
import { benchImportThroughput, importThroughputMarkdown } from './import-throughput';
import { benchIngestLoad } from './ingest-load';
import { benchMarketing, marketingMarkdown } from './marketing';
import { benchModels, modelsBenchTable } from './models';
import { benchModelsBrowser, modelsBrowserMarkdown } from './models-browser';
import { benchParquetWriters } from './parquet-writers';
import { loadavg } from 'node:os';
import { EVENT_COLUMNS } from '@privacy-analytics/core/schema';
import { machineLine, writeResultsSection } from './results-file';

const RUDDERSTACK_PUBLISHED_EVENTS_PER_SECOND = 1700;

const INSTANT_NOTES = `How it is measured (\`scripts/bench/dashboard-instant.ts\`): demo events laid out as the edge keeps them in R2 (past
days compacted into one file each, \`hour: null\` in the manifest; the last day in hourly files; sizes above 1M are
the 1M generated set in disjoint copies), served on loopback by a stand-in of the edge's read API (manifest, files
with ETag, Range and the edge's cache header, 5 minutes then revalidated; any other object under the dataset, e.g. rollups, too).
Cold: a fresh Chromium profile that knows only the edge connection (HTTP cache cleared, browser restarted). Warm: the
same profile after the cold visit, browser restarted (second visit). "Every overview panel": the KPIs, the chart over
time and the 7 breakdowns all show the figures native DuckDB computes over all the data for that range and filter
(events KPI and chart total exactly; each panel's sum of counts within 5%, since panels ranked by visitors from the
edge's rollups use visitor sketches and may swap a value near the tenth place), the page's overview status ready,
noted on the first animation frame that shows them; times from navigation start. Without a filter the overview
comes from the edge's rollups (docs/rollups.md) and the rows load into the local warehouse meanwhile. The reference is native DuckDB (\`@duckdb/node-api\`, threads=1): \`CREATE
TABLE AS SELECT * FROM read_parquet(files)\` plus the overview's queries (core \`overviewQueries\`), or plus the
identity map and the funnel; ratio = Chromium time ÷ native time. The load average in the header says how quiet the
machine was.`;

const SECTIONS = ['ingest', 'import', 'identity', 'edge-cpu', 'edge-sustained', 'analytics', 'marketing', 'models', 'dashboard-load', 'dashboard-overview', 'models-browser', 'dashboard-instant'] as const;
type Section = (typeof SECTIONS)[number];

/** `--minutes N` (or `--minutes=N`) out of the arguments: the edge-sustained duration. */
function takeMinutes(args: string[]): { sections: string[]; minutes: number } {
  const sections: string[] = [];
  let minutes = 10;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = arg === '--minutes' ? args[++i] : arg.startsWith('--minutes=') ? arg.slice('--minutes='.length) : null;
    if (value === null) {
      sections.push(arg);
      continue;
    }
    minutes = Number(value);
    if (!Number.isFinite(minutes) || minutes < 1 || minutes > 24 * 60) {
      console.error(`--minutes must be a number of minutes from 1 to 1440, got "${value ?? ''}"`);
      process.exit(2);
    }
  }
  return { sections, minutes };
}

async function main(): Promise<void> {
  const { sections: asked, minutes } = takeMinutes(process.argv.slice(2));
  const unknown = asked.filter((a) => !(SECTIONS as readonly string[]).includes(a));
  if (unknown.length) {
    console.error(`unknown benchmark section(s): ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}`);
    process.exit(2);
  }
  const sections = new Set<Section>(asked.length ? (asked as Section[]) : SECTIONS);
  const events = Number(process.env.BENCH_EVENTS ?? 1_000_000);
  const log = (line: string) => console.log(`[bench] ${line}`);
  if (sections.has('ingest')) await benchIngest();
  if (sections.has('edge-cpu')) {
    const loadBefore = loadavg()[0]!;
    const result = await benchEdgeCpu({ log });
    console.table(result.stages.map(({ includes: _includes, ...stage }) => stage));
    log(`end to end ${(result.endToEndCpuMsPerEvent * 1000).toFixed(1)} µs CPU per event: ${Math.round(result.eventsPerSecondPerCore)} events/s per core`);
    writeResultsSection('edge-cpu', `## Edge CPU per event: workerd (wrangler dev), the same code in Node beside it

Machine: ${machineLine()}; load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end. Demo messages (page views, product views, searches, carts, orders, identifies; about 930 bytes of JSON each), re-timed to now.

${edgeCpuMarkdown(result)}`);
  }
  if (sections.has('edge-sustained')) {
    const horizonSeconds = Number(process.env.BENCH_DEDUP_HORIZON_SECONDS ?? Math.max(60, Math.round((minutes * 60) / 4)));
    const loadBefore = loadavg()[0]!;
    const result = await benchEdgeSustained({
      minutes,
      eventsPerSecond: Number(process.env.BENCH_SUSTAINED_RATE ?? 400),
      horizonSeconds,
      shards: 2,
      flushIntervalSeconds: 10,
      sampleSeconds: 30,
      log,
    });
    console.table(result.shards);
    writeResultsSection('edge-sustained', `## Edge storage under sustained ingest: flat after the dedup horizon

Machine: ${machineLine()}; load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end.

${edgeSustainedMarkdown(result)}`);
  }
  if (sections.has('analytics')) {
    // 1M and 10M by default (the issue's two sizes); above 1M one timed run after the warm-up, not the median of 3
    const sizes = (process.env.BENCH_ANALYTICS_SIZES ?? `${events},${events * 10}`).split(',').map(Number);
    const rows = [];
    for (const size of sizes) rows.push(...(await benchAnalytics({ events: size, repeats: size > 1_000_000 ? 1 : 3, log })));
    writeResultsSection('analytics', `## Behaviour analytics: DuckDB-Wasm (Node) beside native DuckDB (1 thread), same SQL\n\nMachine: ${machineLine()}.\n\n${analyticsMarkdown(rows)}`);
  }
  if (sections.has('import')) {
    const loadBefore = loadavg()[0]!;
    const result = await benchImportThroughput({ rows: Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000), log });
    writeResultsSection('import', `## Import throughput: an orders CSV through the edge (docs/imports.md)\n\nMachine: ${machineLine()}; load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end.\n\n${importThroughputMarkdown(result)}`);
  }
  if (sections.has('identity')) {
    const loadBefore = loadavg()[0]!;
    const result = await benchIdentityRelink({ persons: Number(process.env.BENCH_RELINK_PERSONS ?? 1_000_000), log });
    writeResultsSection('identity', `## Identity re-link: online and offline ids of 1M persons (docs/analytics.md, identity)\n\nMachine: ${machineLine()}; load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end.\n\n${identityRelinkMarkdown(result)}`);
  }
  if (sections.has('marketing')) {
    const rows = await benchMarketing({ events, log });
    writeResultsSection('marketing', `## Marketing analytics: DuckDB-Wasm (Node) beside native DuckDB (1 thread)\n\nMachine: ${machineLine()}.\n\n${marketingMarkdown(rows)}`);
  }
  if (sections.has('models')) {
    const rows = await benchModels({ events: Math.min(events, 200_000), log });
    writeResultsSection('models', `## Models: scoring throughput and training time\n\nMachine: ${machineLine()}.\n\n${modelsBenchTable(rows)}`);
  }
  if (sections.has('dashboard-load')) {
    const rows = await benchDashboardLoad({ events, log });
    writeResultsSection('dashboard-load', `## Dashboard loading in Chromium beside native DuckDB\n\nMachine: ${machineLine()}.\n\n${dashboardLoadMarkdown(rows)}`);
  }
  if (sections.has('dashboard-overview')) {
    const rows = await benchDashboardOverview({ events, log });
    writeResultsSection('dashboard-overview', `## Dashboard overview in Chromium: first chart, and queries beside native DuckDB\n\nMachine: ${machineLine()}.\n\n${dashboardOverviewMarkdown(rows)}`);
  }
  if (sections.has('models-browser')) {
    const rows = await benchModelsBrowser({ scoringRows: Number(process.env.BENCH_SCORING_ROWS ?? 1_000_000), trainingEvents: events, log });
    writeResultsSection('models-browser', `## Models in Chromium: churn scoring in a worker (onnxruntime-web, 1 and N threads, vs TypeScript) and retraining in the dashboard\n\nMachine: ${machineLine()}.\n\n${modelsBrowserMarkdown(rows)}`);
  }
  if (sections.has('dashboard-instant')) {
    const sizes = (process.env.BENCH_INSTANT_SIZES ?? `${events},${events * 10}`).split(',').map(Number);
    const limitMs = Number(process.env.BENCH_INSTANT_LIMIT_S ?? 600) * 1000;
    const loadBefore = loadavg()[0]!;
    const rows = await benchDashboardInstant({ sizes, limitMs, log });
    writeResultsSection('dashboard-instant', `## Instant dashboard at any size: Chromium beside native DuckDB (1 thread), same files, same queries

Machine: ${machineLine()}; load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (2 cores). Sizes: ${sizes.map((n) => n.toLocaleString('en-US')).join(', ')} events.

${dashboardInstantMarkdown(rows)}

${INSTANT_NOTES}`);
  }
  console.log('[bench] wrote bench/RESULTS.md');
}

async function benchIngest(): Promise<void> {
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
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
