/** Command-line arguments of `npm run import`, validated with messages that name the offending value. */
import { IMPORT_KINDS, importIdProblem, type ImportKind } from '@privacy-analytics/core/imports';
import { DEMO_READ_TOKEN, DEMO_SITE } from '../dev-vars';
import { UsageError } from '../usage-error';

export { UsageError };

export interface ImportOptions {
  kind: ImportKind;
  file: string;
  /** `field=Column,...` or JSON, passed to the edge as it is; null: the edge suggests one from the header. */
  mapping: string | null;
  importId: string | null;
  edge: string;
  site: string;
  token: string;
  maxRejectedShare: number | null;
  json: boolean;
}

export const DEFAULT_EDGE = 'http://127.0.0.1:8787';

export const USAGE = `usage: npm run import -- <${IMPORT_KINDS.join('|')}> --file PATH [--mapping field=Column,...] [--import-id ID] [--edge URL] [--site ID] [--token T] [--max-rejected-share X] [--json]
  kind                  orders (POS, marketplace), customers (CRM, members) or ad_spend (ad-platform reports)
  --file                CSV (any delimiter), NDJSON or Parquet, .gz allowed; a file larger than one import (16 MB, 100,000 rows)
                        is sent as several imports <id>-p01, -p02, ... (orders split between orders, never inside one)
  --mapping             field=Column pairs (or JSON) over the columns suggested from the header (docs/imports.md)
  --import-id           the import's id (default: from the file's SHA-256); sending the same file again is a no-op
  --edge                edge origin (default ${DEFAULT_EDGE}, or EDGE_URL)
  --site                site id (default ${DEMO_SITE}, or ANALYTICS_SITE)
  --token               analyst or admin token (default ANALYTICS_TOKEN, else the local demo's analyst token)
  --max-rejected-share  refuse the import when more than this share of rows is rejected (0..1, edge default 0.5)
  --json                print the edge's answers as JSON
Exit codes: 0 imported (rejected rows are listed), 1 refused or failed, 2 bad arguments.`;

const OPTIONS = ['file', 'mapping', 'import-id', 'edge', 'site', 'token', 'max-rejected-share'];

export function parseImportArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ImportOptions | 'help' {
  const values = new Map<string, string>();
  let kind: string | null = null;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--json') {
      json = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      if (kind !== null) throw new UsageError(`unexpected argument "${arg}" (the kind is ${kind} already)`);
      kind = arg;
      continue;
    }
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
    if (!OPTIONS.includes(name)) throw new UsageError(`unknown option --${name}`);
    if (values.has(name)) throw new UsageError(`--${name} given more than once`);
    values.set(name, value);
  }
  if (kind === null) throw new UsageError(`name the kind: ${IMPORT_KINDS.join(', ')}`);
  if (!(IMPORT_KINDS as readonly string[]).includes(kind)) throw new UsageError(`kind must be one of ${IMPORT_KINDS.join(', ')}, got "${kind}"`);
  const file = values.get('file');
  if (!file) throw new UsageError('--file is required');
  const importId = values.get('import-id') ?? null;
  if (importId !== null) {
    const problem = importIdProblem(importId);
    if (problem) throw new UsageError(`--import-id ${problem}`);
    if (importId.length > 60) throw new UsageError('--import-id: at most 60 characters (a part adds -pNN)');
  }
  const edge = (values.get('edge') ?? env.EDGE_URL ?? DEFAULT_EDGE).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/?#]+$/.test(edge)) throw new UsageError(`--edge must be an origin such as ${DEFAULT_EDGE}, got "${edge}"`);
  const site = values.get('site') ?? env.ANALYTICS_SITE ?? DEMO_SITE;
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(site)) throw new UsageError(`--site must be a site id (a-z, 0-9, _ and -), got "${site}"`);
  const token = values.get('token') ?? env.ANALYTICS_TOKEN ?? DEMO_READ_TOKEN;
  if (!/^[\x21-\x7e]{8,512}$/.test(token)) throw new UsageError('--token must be 8 to 512 printable characters');
  const shareText = values.get('max-rejected-share');
  const maxRejectedShare = shareText === undefined ? null : Number(shareText);
  if (maxRejectedShare !== null && !(maxRejectedShare >= 0 && maxRejectedShare <= 1)) throw new UsageError(`--max-rejected-share must be a number from 0 to 1, got "${shareText}"`);
  return { kind: kind as ImportKind, file, mapping: values.get('mapping') ?? null, importId, edge, site, token, maxRejectedShare, json };
}
