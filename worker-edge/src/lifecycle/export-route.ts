import type { AccessGrant } from '../access/site-access';
import type { Env } from '../env';
import { jsonResponse } from '../http/http-error';
import { readManifestPage } from '../read/manifest-route';
import type { ExportListing } from '@privacy-analytics/core/edge-api';
import { EVENT_COLUMNS, SCHEMA_VERSION } from '@privacy-analytics/core/schema';

/**
 * GET /v1/sites/<site>/export?from=&to=&limit=&cursor= (analyst): the file list `npm run export` downloads, with
 * the SHA-256 of each file and its download path, paged as the manifest is. The same files are readable one by one
 * through the manifest by viewers (the dashboard needs them); this endpoint is what the CLI asks for.
 */
export async function handleExportListing(url: URL, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const { from, to, files, totals, nextCursor } = await readManifestPage(url, env, grant.site.id);
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
      exportedBy: grant.tokenId,
      generatedAt: new Date().toISOString(),
    } satisfies ExportListing,
    200,
    { ...headers, 'cache-control': 'no-store' },
  );
}
