/**
 * Demo-data CLI: writes deterministic e-commerce Segment messages as NDJSON.
 *
 *   npx tsx scripts/generate-events.ts --events 100000 --seed 42 --days 30 --start 2026-10-24 --out data/demo.ndjson
 *
 * Options (all optional; `--name value` or `--name=value`):
 *   --events N    messages to write, 1000..10000000 (default 100000)
 *   --seed N      PRNG seed, a non-negative integer (default 42)
 *   --days N      length of the period in days, 1..3660 (default 30)
 *   --start DATE  period start: YYYY-MM-DD (UTC midnight) or an ISO-8601 time (default 2026-10-24)
 *   --site HOST   shop host name used in page URLs (default shop.example.com)
 *   --out PATH    NDJSON output file, `-` for stdout (default: stdout). Written to PATH.partial, then renamed.
 *
 * A summary (messages by type and event, persons, funnel, orders, revenue, experiment) goes to stderr.
 * Exit codes: 0 ok, 2 bad arguments, 1 other failure.
 *
 * Adding outputs (e.g. `--send <edge url> --write-key <key>`, `--parquet <dir>`): write a
 * `MessageSink` (generate-events/message-sink.ts: an async function consuming a `MessageSource`, an
 * Iterable or AsyncIterable of SegmentMessage; `forEachMessage` iterates either), parse its options
 * in `parseArgs` (generate-events/args.ts), and push it in `buildSinks` (generate-events/sinks.ts).
 * Each sink gets its own (identical, deterministic) message stream, so several outputs can be
 * produced in one run. scripts/collector/send-events.ts `sendEvents` already accepts such a source.
 */
import type { GenerateOptions } from '@privacy-analytics/core/demo-data';
import { parseArgs, UsageError, USAGE, type CliOptions } from './generate-events/args';
import { messageStream } from './generate-events/message-stream';
import { buildSinks } from './generate-events/sinks';
import { Summary } from './generate-events/summary';

export async function main(argv: readonly string[]): Promise<number> {
  const stderr = process.stderr;
  let parsed: CliOptions | 'help';
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`generate-events: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (parsed === 'help') {
    stderr.write(`${USAGE}\n`);
    return 0;
  }
  const opts = parsed;
  const genOptions: GenerateOptions = { seed: opts.seed, events: opts.events, start: opts.start, days: opts.days, site: opts.site };
  const summary = new Summary();
  const t0 = performance.now();
  const progress = stderr.isTTY
    ? (count: number) => stderr.write(`  ... ${count.toLocaleString('en-US')} / ${opts.events.toLocaleString('en-US')} messages (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`)
    : undefined;
  try {
    const sinks = buildSinks(opts);
    for (let i = 0; i < sinks.length; i++) {
      await sinks[i]!(i === 0 ? messageStream(genOptions, summary, progress) : messageStream(genOptions));
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'EPIPE') return 0; // e.g. piped into `head`
    stderr.write(`generate-events: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  stderr.write(`${summary.format(opts, (performance.now() - t0) / 1000)}\n`);
  if (opts.out !== undefined && opts.out !== '-') stderr.write(`wrote ${opts.out}\n`);
  return 0;
}

const entry = (process.argv[1] ?? '').replace(/\\/g, '/');
if (/\/generate-events\.(ts|js|mjs)$/.test(entry)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`generate-events: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
