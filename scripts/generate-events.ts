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
 * `MessageSink` (an async function consuming a `MessageSource`: an Iterable or AsyncIterable of
 * SegmentMessage; `forEachMessage` iterates either), parse its options in `parseArgs`, and push it
 * in `buildSinks`. Each sink gets its own (identical, deterministic) message stream, so several
 * outputs can be produced in one run. scripts/collector/send-events.ts `sendEvents` already
 * accepts such a source.
 */
import { createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import {
  DEFAULT_SITE,
  MAX_DAYS,
  MAX_EVENTS,
  MIN_EVENTS,
  generateDemoEvents,
  type GenerateOptions,
  type PersonTruth,
  type SegmentMessage,
} from '@privacy-analytics/core/demo-data';
import { serializeMessage } from '@privacy-analytics/core/demo-data';
import { sendEvents } from './collector/send-events';
import { writeEventsAsParquet } from './collector/write-parquet';

// -- arguments ------------------------------------------------------------------------------------

export interface CliOptions {
  events: number;
  seed: number;
  days: number;
  start: Date;
  site: string;
  /** NDJSON file path or '-' for stdout; undefined when not given (then stdout, unless another sink is chosen). */
  out?: string;
  /** Collector URL to POST batches to (the edge's /v1/batch). */
  send?: string;
  writeKey: string;
  /** Folder to write Parquet into with the edge's own normaliser and writer. */
  parquet?: string;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage: npx tsx scripts/generate-events.ts [--events N] [--seed N] [--days N] [--start YYYY-MM-DD] [--site HOST] [--out PATH|-] [--send URL [--write-key K]] [--parquet DIR]
  --events  messages to write, ${MIN_EVENTS}..${MAX_EVENTS} (default 100000)
  --seed    PRNG seed, non-negative integer (default 42)
  --days    period length in days, 1..${MAX_DAYS} (default 30)
  --start   period start, YYYY-MM-DD (UTC) or ISO-8601 time (default 2026-10-24)
  --site    shop host name (default ${DEFAULT_SITE})
  --out     NDJSON output file, - for stdout (default -, unless --send or --parquet is given)
  --send    collector URL: POST the messages to <url>/v1/batch (e.g. http://127.0.0.1:8787)
  --write-key  write key for --send (default demo-write-key)
  --parquet folder: write Parquet as the edge stores it (same normaliser and writer), Hive layout`;

const DEFAULTS: CliOptions = {
  events: 100_000,
  seed: 42,
  days: 30,
  start: new Date('2026-10-24T00:00:00Z'),
  site: DEFAULT_SITE,
  writeKey: 'demo-write-key',
};

function parseInteger(name: string, raw: string, min: number, max: number, what: string): number {
  const cleaned = raw.trim().replace(/_/g, '');
  const value = /^\d+$/.test(cleaned) ? Number(cleaned) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be ${what}, got "${raw}"`);
  return value;
}

function parseStart(raw: string): Date {
  const bad = () => new UsageError(`--start must be a date like 2026-10-24 (UTC) or an ISO-8601 time like 2026-10-24T08:00:00Z, got "${raw}"`);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (day) {
    const d = new Date(`${raw}T00:00:00Z`);
    // Reject dates that JavaScript would roll over (2026-02-30).
    if (!Number.isFinite(d.getTime()) || d.toISOString().slice(0, 10) !== raw) throw bad();
    return d;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) throw bad();
  const d = new Date(raw);
  if (!Number.isFinite(d.getTime())) throw bad();
  return d;
}

/** Parses CLI arguments (without the node and script entries). Throws UsageError. */
export function parseArgs(argv: readonly string[]): CliOptions | 'help' {
  const opts: CliOptions = { ...DEFAULTS };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (options look like --events 100000)`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (seen.has(name)) throw new UsageError(`--${name} given more than once`);
    seen.add(name);
    switch (name) {
      case 'events':
        opts.events = parseInteger(name, value, MIN_EVENTS, MAX_EVENTS, `an integer between ${MIN_EVENTS} and ${MAX_EVENTS}`);
        break;
      case 'seed':
        opts.seed = parseInteger(name, value, 0, Number.MAX_SAFE_INTEGER, 'a non-negative integer');
        break;
      case 'days':
        opts.days = parseInteger(name, value, 1, MAX_DAYS, `an integer between 1 and ${MAX_DAYS}`);
        break;
      case 'start':
        opts.start = parseStart(value);
        break;
      case 'site':
        if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i.test(value)) {
          throw new UsageError(`--site must be a host name such as shop.example.com, got "${value}"`);
        }
        opts.site = value.toLowerCase();
        break;
      case 'out':
        if (value === '') throw new UsageError('--out must be a file path or -, got ""');
        opts.out = value;
        break;
      case 'send':
        if (!/^https?:\/\/[^\s/]+$/.test(value.replace(/\/$/, ''))) throw new UsageError(`--send must be a collector origin such as http://127.0.0.1:8787, got "${value}"`);
        opts.send = value.replace(/\/$/, '');
        break;
      case 'write-key':
        if (value.length < 8) throw new UsageError(`--write-key must be at least 8 characters, got "${value}"`);
        opts.writeKey = value;
        break;
      case 'parquet':
        if (value === '') throw new UsageError('--parquet must be a folder path, got ""');
        opts.parquet = value;
        break;
      default:
        throw new UsageError(`unknown option --${name}`);
    }
  }
  return opts;
}

// -- sinks ------------------------------------------------------------------------------------------

/** Messages for a sink: the generator itself (fast path) or any async iterable. */
export type MessageSource = Iterable<SegmentMessage> | AsyncIterable<SegmentMessage>;

/** Consumes a message stream (NDJSON file, HTTP batches to the edge, Parquet, ...). */
export type MessageSink = (messages: MessageSource) => Promise<void>;

/** Iterates a sync or async source; `visit` may return a promise (e.g. backpressure), awaited only then. */
export async function forEachMessage(source: MessageSource, visit: (m: SegmentMessage) => void | Promise<void>): Promise<void> {
  if (Symbol.iterator in source) {
    for (const m of source) {
      const pending = visit(m);
      if (pending) await pending;
    }
  } else {
    for await (const m of source) {
      const pending = visit(m);
      if (pending) await pending;
    }
  }
}

const CHUNK_BYTES = 1 << 20;

/** Writes messages as NDJSON to a stream in ~1 MiB chunks, honouring backpressure. Does not end the stream. */
export async function writeNdjson(messages: MessageSource, stream: Writable): Promise<void> {
  let failure: unknown;
  const onError = (err: unknown) => {
    failure = err;
  };
  stream.on('error', onError);
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  const flush = (): Promise<void> | undefined => {
    if (failure) throw failure;
    const ok = stream.write(chunk.subarray(0, used));
    chunk = Buffer.allocUnsafe(CHUNK_BYTES); // the stream keeps the written buffer
    used = 0;
    if (ok) return undefined;
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        stream.removeListener('error', fail);
        resolve();
      };
      const fail = (err: unknown) => {
        stream.removeListener('drain', done);
        reject(err);
      };
      stream.once('drain', done);
      stream.once('error', fail);
    });
  };
  try {
    await forEachMessage(messages, (m) => {
      const line = serializeMessage(m);
      let pending: Promise<void> | undefined;
      // A UTF-16 code unit takes at most 3 bytes in UTF-8.
      if (used + line.length * 3 + 1 > chunk.length) {
        if (used > 0) pending = flush();
        if (line.length * 3 + 1 > chunk.length) chunk = Buffer.allocUnsafe(line.length * 3 + 1);
      }
      used += chunk.write(line, used);
      chunk[used++] = 10;
      return pending;
    });
    if (used > 0) await flush();
    if (failure) throw failure;
  } finally {
    stream.removeListener('error', onError);
  }
}

function endStream(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/**
 * NDJSON sink for stdout ('-') or a file. A regular file is written to `<path>.partial` and renamed
 * when complete (no half-written files on failure); special files (/dev/null, FIFOs) are written directly.
 */
export function ndjsonSink(out: string): MessageSink {
  return async (messages) => {
    if (out === '-') {
      await writeNdjson(messages, process.stdout);
      return;
    }
    const existing = statSync(out, { throwIfNoEntry: false });
    if (existing && !existing.isFile()) {
      const stream = createWriteStream(out, { highWaterMark: 1 << 20 });
      try {
        await writeNdjson(messages, stream);
      } finally {
        await endStream(stream);
      }
      return;
    }
    mkdirSync(dirname(out), { recursive: true });
    const partial = `${out}.partial`;
    const stream = createWriteStream(partial, { highWaterMark: 1 << 20 });
    try {
      await writeNdjson(messages, stream);
      await endStream(stream);
      renameSync(partial, out);
    } catch (err) {
      stream.end();
      rmSync(partial, { force: true });
      throw err;
    }
  };
}

function buildSinks(opts: CliOptions): MessageSink[] {
  const sinks: MessageSink[] = [];
  if (opts.send !== undefined) {
    const url = opts.send;
    sinks.push(async (messages) => {
      const result = await sendEvents(messages, { url, writeKey: opts.writeKey });
      process.stderr.write(`sent ${result.sent} to ${url}: accepted ${result.accepted}, duplicates ${result.duplicates}, bots ${result.bots}, rejected ${result.rejected}\n`);
    });
  }
  if (opts.parquet !== undefined) {
    const dir = opts.parquet;
    sinks.push(async (messages) => {
      const result = await writeEventsAsParquet(messages, { dir });
      process.stderr.write(`wrote ${result.rows} rows in ${result.files.length} Parquet files under ${dir} (${result.rejected} rejected)\n`);
    });
  }
  if (opts.out !== undefined || sinks.length === 0) sinks.unshift(ndjsonSink(opts.out ?? '-'));
  return sinks;
}

// -- summary ------------------------------------------------------------------------------------------

/** Aggregates what was generated (from the messages and the ground-truth hook). */
export class Summary {
  messages = 0;
  readonly byType = new Map<string, number>();
  readonly byEvent = new Map<string, number>();
  persons = 0;
  identifiedPersons = 0;
  buyers = 0;
  repeatBuyers = 0;
  sessions = 0;
  sessionsWithCart = 0;
  checkouts = 0;
  orders = 0;
  revenue = 0;
  readonly experiment = { control: { exposed: 0, buyers: 0 }, treatment: { exposed: 0, buyers: 0 } };
  private lastCartSession: string | undefined;

  addMessage(m: SegmentMessage): void {
    this.messages++;
    this.byType.set(m.type, (this.byType.get(m.type) ?? 0) + 1);
    if (m.type !== 'track') return;
    this.byEvent.set(m.event, (this.byEvent.get(m.event) ?? 0) + 1);
    if (m.event === 'Product Added') {
      // A session's messages are contiguous, so a change of session id marks a new session with a cart.
      const sid = m.context.sessionId;
      if (sid !== this.lastCartSession) {
        this.sessionsWithCart++;
        this.lastCartSession = sid;
      }
    } else if (m.event === 'Checkout Started') {
      this.checkouts++;
    } else if (m.event === 'Order Completed') {
      this.orders++;
      this.revenue += Number(m.properties.revenue);
    }
  }

  addPerson(p: PersonTruth): void {
    this.persons++;
    this.sessions += p.sessions;
    if (p.userId) this.identifiedPersons++;
    if (p.orders > 0) this.buyers++;
    if (p.orders > 1) this.repeatBuyers++;
    if (p.exposedToExperiment) {
      const arm = this.experiment[p.variant];
      arm.exposed++;
      if (p.orders > 0) arm.buyers++;
    }
  }

  format(opts: CliOptions, seconds: number): string {
    const n = (x: number) => x.toLocaleString('en-US');
    const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : '-');
    const list = (m: Map<string, number>) =>
      [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, v]) => `${k} ${n(v)}`).join(', ');
    const end = new Date(opts.start.getTime() + opts.days * 86_400_000);
    const { control, treatment } = this.experiment;
    return [
      `generated ${n(this.messages)} messages (seed ${opts.seed}, ${opts.start.toISOString().slice(0, 10)} .. ${end.toISOString().slice(0, 10)}, ${opts.days} days) in ${seconds.toFixed(1)} s (${n(Math.round(this.messages / Math.max(seconds, 1e-9)))} msg/s)`,
      `by type: ${list(this.byType)}`,
      `track events: ${list(this.byEvent)}`,
      `persons ${n(this.persons)} (identified ${n(this.identifiedPersons)}, buyers ${n(this.buyers)}, repeat buyers ${n(this.repeatBuyers)}), sessions ${n(this.sessions)}`,
      `funnel: sessions ${n(this.sessions)} -> with cart ${n(this.sessionsWithCart)} (${pct(this.sessionsWithCart, this.sessions)}) -> checkout ${n(this.checkouts)} (${pct(this.checkouts, this.sessionsWithCart)}) -> order ${n(this.orders)} (${pct(this.orders, this.checkouts)})`,
      `orders ${n(this.orders)}, revenue $${this.revenue.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} (AOV $${this.orders ? (this.revenue / this.orders).toFixed(2) : '0.00'})`,
      `experiment checkout_button: control ${n(control.buyers)}/${n(control.exposed)} exposed bought (${pct(control.buyers, control.exposed)}), treatment ${n(treatment.buyers)}/${n(treatment.exposed)} (${pct(treatment.buyers, treatment.exposed)})`,
    ].join('\n');
  }
}

/** The generated messages, optionally feeding a summary and a progress callback. */
export function messageStream(options: GenerateOptions, summary?: Summary, progress?: (count: number) => void): Iterable<SegmentMessage> {
  const gen = generateDemoEvents(summary ? { ...options, onPerson: (p) => summary.addPerson(p) } : options);
  if (!summary && !progress) return gen;
  return (function* observed(): Generator<SegmentMessage> {
    let count = 0;
    for (const m of gen) {
      summary?.addMessage(m);
      if (progress && ++count % 1_000_000 === 0) progress(count);
      yield m;
    }
  })();
}

// -- main ----------------------------------------------------------------------------------------------

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
