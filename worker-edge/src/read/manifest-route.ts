import { z } from 'zod';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import type { ImportTableEntry, ManifestEntry, ManifestResponse } from '@privacy-analytics/core/edge-api';
import type { ManifestTotals } from '../storage/file-manifest';
import { checkCursor, decodeCursor, encodeCursor } from './manifest-cursor';
import { SCHEMA_VERSION, EVENT_COLUMNS } from '@privacy-analytics/core/schema';
import { catalogOf } from '../stubs';
import { manifestKindOf } from '@privacy-analytics/core/imports';

const dateParam = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').optional();

/** Files per page unless `limit` says otherwise: about 2.5 MB of JSON, so most sites get one page. */
export const DEFAULT_MANIFEST_PAGE = 5_000;
export const MAX_MANIFEST_PAGE = 20_000;

export interface ManifestPageAnswer {
  from: string | undefined;
  to: string | undefined;
  files: ManifestEntry[];
  /** of the whole range, as at the listing's first page */
  totals: ManifestTotals;
  nextCursor: string | null;
  /** imported tables that are not events (ad spend) of the range: on the first page only */
  tables: ImportTableEntry[] | null;
}

/**
 * GET /v1/sites/<site>/manifest?from=YYYY-MM-DD&to=YYYY-MM-DD&limit=&cursor=: files to fetch, with rows and time
 * bounds, a page at a time; `nextCursor` (null on the last page) asks for the next.
 */
export async function handleManifest(url: URL, env: Env, siteId: string, headers: Record<string, string>): Promise<Response> {
  const page = await readManifestPage(url, env, siteId);
  return jsonResponse(
    {
      site: siteId,
      schemaVersion: SCHEMA_VERSION,
      columns: EVENT_COLUMNS.map(({ name, kind }) => ({ name, kind })),
      from: page.from ?? null,
      to: page.to ?? null,
      files: page.files,
      totals: page.totals,
      nextCursor: page.nextCursor,
      ...(page.tables ? { tables: page.tables } : {}),
      generatedAt: new Date().toISOString(),
    } satisfies ManifestResponse,
    200,
    { ...headers, 'cache-control': 'no-store' },
  );
}

/** One page of the site's files for the query's range, `limit` and `cursor` (the manifest and the export listing). */
export async function readManifestPage(url: URL, env: Env, siteId: string): Promise<ManifestPageAnswer> {
  const { from, to } = parseDateRange(url);
  const limit = parseLimit(url);
  const cursorText = url.searchParams.get('cursor');
  const cursor = cursorText === null || cursorText === '' ? null : decodeCursor(cursorText);
  if (cursor) checkCursor(cursor, from, to, Date.now());
  const page = await catalogOf(env, siteId).manifestPage(from, to, limit, cursor);
  if ('changed' in page) {
    throw new HttpError(409, 'manifest_changed', `the manifest changed while it was being paged (${page.changed}); start again without a cursor`);
  }
  const totals = cursor?.totals ?? page.totals;
  if (!totals) throw new Error('manifest page: a first page came without totals');
  const nextCursor = page.next ? encodeCursor({ ...page.next, from: from ?? null, to: to ?? null, totals }) : null;
  const files = page.files.map((file) => ({ ...file, kind: manifestKindOf(file.key) }));
  const tables = cursor ? null : await catalogOf(env, siteId).importTables(from, to);
  return { from, to, files, totals, nextCursor, tables };
}

function parseLimit(url: URL): number {
  const raw = url.searchParams.get('limit');
  if (raw === null || raw === '') return DEFAULT_MANIFEST_PAGE;
  const limit = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_MANIFEST_PAGE)) {
    throw new HttpError(400, 'invalid_parameter', `limit: expected a whole number of files from 1 to ${MAX_MANIFEST_PAGE}, got "${raw.slice(0, 20)}"`);
  }
  return limit;
}

export function parseDateRange(url: URL): { from: string | undefined; to: string | undefined } {
  const from = parseDate(url, 'from');
  const to = parseDate(url, 'to');
  if (from && to && from > to) throw new HttpError(400, 'invalid_range', `from (${from}) is after to (${to})`);
  return { from, to };
}

function parseDate(url: URL, name: string): string | undefined {
  const raw = url.searchParams.get(name) ?? undefined;
  const parsed = dateParam.safeParse(raw);
  if (!parsed.success || (parsed.data && Number.isNaN(Date.parse(parsed.data)))) {
    throw new HttpError(400, 'invalid_parameter', `${name}: expected a date YYYY-MM-DD, got "${raw}"`);
  }
  return parsed.data;
}
