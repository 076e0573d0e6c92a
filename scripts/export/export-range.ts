import { readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { ExportOptions } from './args';
import { ChecksumError, checkLocalFile, downloadFile } from './download-file';
import { exportListingSchema, type ExportFile, type ExportListing } from '@privacy-analytics/core/edge-api';

export interface ExportSummary {
  files: number;
  downloaded: number;
  skipped: number;
  /** Local files that were present but wrong (corrupted or truncated) and were downloaded again. */
  repaired: number;
  /** Local files of the range no longer listed (compacted or erased since an earlier export), removed. */
  removedStale: number;
  bytes: number;
  rows: number;
  unverified: number;
  failures: string[];
}

export class ExportError extends Error {
  override name = 'ExportError';
}

export type Log = (line: string) => void;

/** Downloads every file of the range, verified, into `out` in the edge's Hive layout, then writes manifest.json. */
export async function exportRange(options: ExportOptions, log: Log): Promise<ExportSummary> {
  const listing = await fetchListing(options);
  const out = resolve(options.out);
  const summary: ExportSummary = { files: listing.files.length, downloaded: 0, skipped: 0, repaired: 0, removedStale: 0, bytes: 0, rows: 0, unverified: 0, failures: [] };
  log(`export: ${listing.files.length} files, ${listing.totals.rows} rows, ${(listing.totals.bytes / 1e6).toFixed(1)} MB for ${options.site} ${options.from}..${options.to}`);

  const queue = [...listing.files];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) await exportFile(options, out, file, summary, log);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
  if (summary.failures.length > 0) return summary;

  summary.removedStale = await removeStaleFiles(out, options, new Set(listing.files.map((f) => localPath(out, f))));
  await writeFile(join(out, 'manifest.json'), `${JSON.stringify(manifestJson(options, listing), null, 2)}\n`);
  return summary;
}

/** A listing that changed while it was paged (409) is read again from its first page, this many times at most. */
const LISTING_TRIES = 3;

/** The whole listing of the range: every page, following nextCursor; read again from the start if it changed meanwhile. */
async function fetchListing(options: ExportOptions): Promise<ExportListing> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchAllPages(options);
    } catch (error) {
      if (!(error instanceof ListingChanged) || attempt >= LISTING_TRIES) throw error instanceof ListingChanged ? new ExportError(`${error.message} (${attempt} tries)`) : error;
    }
  }
}

class ListingChanged extends Error {}

async function fetchAllPages(options: ExportOptions): Promise<ExportListing> {
  const base = `${options.edge}/v1/sites/${options.site}/export?from=${options.from}&to=${options.to}${options.pageSize === null ? '' : `&limit=${options.pageSize}`}`;
  const first = await fetchPage(options, base);
  const files = [...first.files];
  for (let cursor = first.nextCursor ?? null; cursor !== null; ) {
    const page = await fetchPage(options, `${base}&cursor=${encodeURIComponent(cursor)}`);
    files.push(...page.files);
    cursor = page.nextCursor ?? null;
  }
  return { ...first, files, nextCursor: null };
}

async function fetchPage(options: ExportOptions, url: string): Promise<ExportListing> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${options.token}` } });
  } catch (cause) {
    const reason = (cause as { cause?: { code?: string } }).cause?.code ?? (cause instanceof Error ? cause.message : String(cause));
    throw new ExportError(`could not reach the edge at ${options.edge} (${reason}); is it running? (--edge)`);
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the text
    }
    if (response.status === 409) throw new ListingChanged(`the edge's listing kept changing while it was paged: ${message}`);
    const hint = response.status === 401 || response.status === 403 ? ' (--token needs an analyst or admin token of this site)' : '';
    throw new ExportError(`the edge answered ${response.status} to ${url}: ${message}${hint}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ExportError(`the edge's export listing is not JSON: ${text.slice(0, 200)}`);
  }
  const parsed = exportListingSchema.safeParse(body);
  if (!parsed.success) throw new ExportError(`the edge's export listing is not in the expected shape: ${parsed.error.message.slice(0, 500)}`);
  if (parsed.data.site !== options.site) throw new ExportError(`asked for site "${options.site}" but the edge listed "${parsed.data.site}"`);
  return parsed.data;
}

async function exportFile(options: ExportOptions, out: string, file: ExportFile, summary: ExportSummary, log: Log): Promise<void> {
  const path = localPath(out, file);
  try {
    const state = await checkLocalFile(path, file);
    if (state === 'verified') {
      summary.skipped++;
    } else {
      if (state === 'mismatch') log(`  ${file.key}: local copy does not match the listed checksum; downloading it again`);
      await downloadFile(`${options.edge}${file.path}`, options.token, path, file);
      summary.downloaded++;
      if (state === 'mismatch') summary.repaired++;
    }
    if (file.sha256 === null) summary.unverified++;
    summary.bytes += file.bytes;
    summary.rows += file.rows;
  } catch (error) {
    const message = error instanceof ChecksumError ? error.message : `${file.key}: ${error instanceof Error ? error.message : String(error)}`;
    summary.failures.push(message);
    log(`  FAILED ${message}`);
  }
}

/** Keys are validated by the listing schema; this also refuses anything that would land outside `out`. */
function localPath(out: string, file: ExportFile): string {
  const path = resolve(out, ...file.key.split('/'));
  if (!path.startsWith(out + sep)) throw new ExportError(`refusing key "${file.key}": it would be written outside ${out}`);
  return path;
}

async function removeStaleFiles(out: string, options: ExportOptions, listed: ReadonlySet<string>): Promise<number> {
  const siteDir = join(out, 'events', `site=${options.site}`);
  const dates = await readdir(siteDir).catch(() => [] as string[]);
  let removed = 0;
  for (const dateDir of dates) {
    const date = /^date=(\d{4}-\d{2}-\d{2})$/.exec(dateDir)?.[1];
    if (!date || date < options.from || date > options.to) continue;
    for (const path of await parquetFilesUnder(join(siteDir, dateDir))) {
      if (listed.has(path)) continue;
      await rm(path);
      removed++;
    }
  }
  return removed;
}

async function parquetFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && (e.name.endsWith('.parquet') || e.name.endsWith('.parquet.partial'))).map((e) => join(e.parentPath, e.name));
}

function manifestJson(options: ExportOptions, listing: ExportListing) {
  return {
    site: options.site,
    from: options.from,
    to: options.to,
    edge: options.edge,
    exportedAt: new Date().toISOString(),
    listingGeneratedAt: listing.generatedAt,
    schemaVersion: listing.schemaVersion,
    columns: listing.columns,
    files: listing.files.map(({ path: _path, ...file }) => ({ ...file, path: relative(resolve(options.out), resolve(options.out, ...file.key.split('/'))).split(sep).join('/') })),
    totals: listing.totals,
  };
}

export async function ensureOutDir(out: string): Promise<void> {
  await mkdir(out, { recursive: true });
}
