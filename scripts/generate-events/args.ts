/** The command line's options: `--name value` or `--name=value`, each checked with a message that names it. */
import { DEFAULT_SITE, MAX_DAYS, MAX_EVENTS, MIN_EVENTS } from '@privacy-analytics/core/demo-data';

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

export { UsageError } from '../usage-error';
import { UsageError } from '../usage-error';

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
