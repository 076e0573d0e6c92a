/** Command-line arguments of `npm run export`, validated with messages that name the offending value. */
export interface ExportOptions {
  site: string;
  from: string;
  to: string;
  out: string;
  /** Edge origin without a trailing slash. */
  edge: string;
  token: string;
  concurrency: number;
  /** Files per listing page asked of the edge; null: the edge's default (5,000). */
  pageSize: number | null;
}

export { UsageError } from '../usage-error';
import { UsageError } from '../usage-error';

export const DEFAULT_EDGE = 'http://127.0.0.1:8787';
/** The local demo's analyst token (see scripts/dev-vars.ts); real deployments pass --token or ANALYTICS_TOKEN. */
export const DEFAULT_TOKEN = 'demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';

export const USAGE = `usage: npm run export -- --site SITE --from YYYY-MM-DD --to YYYY-MM-DD --out DIR [--edge URL] [--token TOKEN] [--concurrency N] [--page-size N]
  --site         site id, e.g. demo
  --from, --to   first and last date (UTC, inclusive)
  --out          folder; files keep their Hive layout (events/site=…/date=…/…) and manifest.json goes beside them
  --edge         edge origin (default ${DEFAULT_EDGE}, or EDGE_URL)
  --token        analyst or admin token (default ANALYTICS_TOKEN, else the local demo's ${DEFAULT_TOKEN})
  --concurrency  parallel downloads, 1..16 (default 4)
  --page-size    files per page of the edge's listing, 1..20000 (default: the edge's, 5000); every page is read
Files already in DIR with the right SHA-256 are skipped, so an interrupted export can simply be run again.`;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Parses arguments (without node and the script). Throws UsageError; returns 'help' for --help. */
export function parseExportArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ExportOptions | 'help' {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (options look like --site demo)`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (!['site', 'from', 'to', 'out', 'edge', 'token', 'concurrency', 'page-size'].includes(name)) throw new UsageError(`unknown option --${name}`);
    if (values.has(name)) throw new UsageError(`--${name} given more than once`);
    values.set(name, value);
  }
  const required = (name: string): string => {
    const value = values.get(name);
    if (value === undefined) throw new UsageError(`--${name} is required`);
    return value;
  };
  const site = required('site');
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(site)) throw new UsageError(`--site must be a site id (a-z, 0-9, _ and -), got "${site}"`);
  const from = parseDate('from', required('from'));
  const to = parseDate('to', required('to'));
  if (from > to) throw new UsageError(`--from (${from}) is after --to (${to})`);
  const out = required('out');
  if (out.trim() === '') throw new UsageError('--out must be a folder path, got ""');
  const edge = (values.get('edge') ?? env.EDGE_URL ?? DEFAULT_EDGE).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/?#]+$/.test(edge)) throw new UsageError(`--edge must be an origin such as ${DEFAULT_EDGE}, got "${edge}"`);
  const token = values.get('token') ?? env.ANALYTICS_TOKEN ?? DEFAULT_TOKEN;
  if (!/^[\x21-\x7e]{8,512}$/.test(token)) throw new UsageError('--token must be 8 to 512 printable characters');
  const concurrencyText = values.get('concurrency') ?? '4';
  const concurrency = Number(concurrencyText);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) throw new UsageError(`--concurrency must be an integer from 1 to 16, got "${concurrencyText}"`);
  const pageSizeText = values.get('page-size');
  const pageSize = pageSizeText === undefined ? null : Number(pageSizeText);
  if (pageSize !== null && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 20_000)) {
    throw new UsageError(`--page-size must be an integer from 1 to 20000, got "${pageSizeText}"`);
  }
  return { site, from, to, out, edge, token, concurrency, pageSize };
}

function parseDate(name: string, raw: string): string {
  if (!DATE.test(raw) || new Date(`${raw}T00:00:00Z`).toISOString().slice(0, 10) !== raw) {
    throw new UsageError(`--${name} must be YYYY-MM-DD, got "${raw}"`);
  }
  return raw;
}
