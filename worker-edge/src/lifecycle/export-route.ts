import type { AccessGrant } from '../access/site-access';
import type { Env } from '../env';
import { jsonResponse } from '../http/http-error';
import { catalogOf } from '../stubs';
import { readManifestPage } from '../read/manifest-route';
import type { ExportListing } from '@privacy-analytics/core/edge-api';
import { EVENT_COLUMNS, SCHEMA_VERSION } from '@privacy-analytics/core/schema';

/**
 * GET /v1/sites/<site>/export?from=&to=&limit=&cursor= (analyst): the file list `npm run export` downloads, with
 * the SHA-256 of each file and its download path, paged as the manifest is. The first page of a listing is recorded in
 * the audit log (`data.export`: who, the range, how many files and rows); the files it then downloads are recorded as
 * `data.download` entries per hour (downloads-audit.ts).
 */
export async function handleExportListing(url: URL, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const { from, to, files, totals, nextCursor, tables } = await readManifestPage(url, env, grant.site.id);
  if (!url.searchParams.get('cursor')) {
    await catalogOf(env, grant.site.id).appendAudit({
      action: 'data.export',
      actor: grant.tokenId,
      details: { role: grant.role, from: from ?? null, to: to ?? null, files: totals.files, rows: totals.rows, bytes: totals.bytes },
    });
  }
  return jsonResponse(
    {
      site: grant.site.id,
      schemaVersion: SCHEMA_VERSION,
      columns: EVENT_COLUMNS.map(({ name, kind, nullable, doc }) => ({ name, kind, nullable, doc })),
      from: from ?? null,
      to: to ?? null,
      files: files.map((file) => ({ ...file, sha256: file.sha256 ?? null, path: `/v1/sites/${grant.site.id}/files/${file.key}` })),
      totals,
      nextCursor,
      ...(tables ? { tables: tables.map((table) => ({ ...table, path: `/v1/sites/${grant.site.id}/files/${table.key}` })) } : {}),
      exportedBy: grant.tokenId,
      generatedAt: new Date().toISOString(),
    } satisfies ExportListing,
    200,
    { ...headers, 'cache-control': 'no-store' },
  );
}
