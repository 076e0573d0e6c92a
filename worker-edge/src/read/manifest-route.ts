import { z } from 'zod';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import type { ManifestResponse } from '@privacy-analytics/core/edge-api';
import { SCHEMA_VERSION, EVENT_COLUMNS } from '@privacy-analytics/core/schema';
import { catalogOf } from '../stubs';

const dateParam = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').optional();

/** GET /v1/sites/<site>/manifest?from=YYYY-MM-DD&to=YYYY-MM-DD: files to fetch, with rows and time bounds. */
export async function handleManifest(url: URL, env: Env, siteId: string, headers: Record<string, string>): Promise<Response> {
  const { from, to } = parseDateRange(url);
  const catalog = catalogOf(env, siteId);
  const files = await catalog.listFiles(from, to);
  return jsonResponse(
    {
      site: siteId,
      schemaVersion: SCHEMA_VERSION,
      columns: EVENT_COLUMNS.map(({ name, kind }) => ({ name, kind })),
      from: from ?? null,
      to: to ?? null,
      files,
      totals: { files: files.length, rows: files.reduce((n, f) => n + f.rows, 0), bytes: files.reduce((n, f) => n + f.bytes, 0) },
      generatedAt: new Date().toISOString(),
    } satisfies ManifestResponse,
    200,
    { ...headers, 'cache-control': 'no-store' },
  );
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
