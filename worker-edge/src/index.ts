import { handleFlush } from './buffer/flush-route';
import type { Env } from './env';
import { errorResponse, HttpError, jsonResponse } from './http/http-error';
import { handleIngest, INGEST_CORS_HEADERS, ingestPathSchema } from './ingest/ingest-route';
import { handleTrackerScript } from './ingest/tracker-route';
import { handleLive } from './live/live-route';
import { readCorsHeaders, siteForCors } from './read/cors';
import { handleFile } from './read/file-route';
import { handleManifest } from './read/manifest-route';
import { requireSiteAccess } from './read/site-access';

export { IngestBuffer } from './buffer/ingest-buffer';
export { SiteCatalog } from './storage/site-catalog';

const SITE_ROUTE = /^\/v1\/sites\/([a-z0-9][a-z0-9_-]{0,62})\/(manifest|files|flush|live)(?:\/(.+))?$/;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const ingest = /^\/v1\/([a-z]+)$/.exec(url.pathname);
    if (ingest) {
      const kind = ingestPathSchema.safeParse(ingest[1]);
      if (kind.success) {
        if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: INGEST_CORS_HEADERS });
        if (request.method !== 'POST') return errorResponse(methodNotAllowed(request, 'POST'), INGEST_CORS_HEADERS);
        try {
          return await handleIngest(request, env, kind.data === 'batch' ? null : kind.data);
        } catch (error) {
          return errorResponse(error, INGEST_CORS_HEADERS);
        }
      }
    }
    const siteRoute = SITE_ROUTE.exec(url.pathname);
    if (siteRoute) return handleSiteRoute(request, env, url, siteRoute[1]!, siteRoute[2]!, siteRoute[3]);
    if (url.pathname === '/t.js' && (request.method === 'GET' || request.method === 'HEAD')) return handleTrackerScript(request);
    if (url.pathname === '/healthz') return jsonResponse({ ok: true });
    return errorResponse(new HttpError(404, 'not_found', `no route for ${request.method} ${url.pathname}`));
  },
} satisfies ExportedHandler<Env>;

async function handleSiteRoute(request: Request, env: Env, url: URL, siteId: string, resource: string, rest: string | undefined): Promise<Response> {
  const cors = readCorsHeaders(request, siteForCors(env, siteId));
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: cors });
  try {
    if (resource === 'files' && rest) {
      if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed(request, 'GET, HEAD');
      requireSiteAccess(request, env, siteId, 'read');
      return await handleFile(request, env, siteId, decodeURIComponent(rest), cors);
    }
    if (rest !== undefined) throw new HttpError(404, 'not_found', `no route for ${url.pathname}`);
    if (resource === 'manifest' || resource === 'live') {
      if (request.method !== 'GET') throw methodNotAllowed(request, 'GET');
      requireSiteAccess(request, env, siteId, 'read');
      return resource === 'manifest' ? await handleManifest(url, env, siteId, cors) : await handleLive(url, env, siteId, cors);
    }
    if (resource === 'flush') {
      if (request.method !== 'POST') throw methodNotAllowed(request, 'POST');
      requireSiteAccess(request, env, siteId, 'admin');
      return await handleFlush(env, siteId, cors);
    }
    throw new HttpError(404, 'not_found', `no route for ${url.pathname}`);
  } catch (error) {
    return errorResponse(error, cors);
  }
}

function methodNotAllowed(request: Request, allow: string): HttpError {
  return new HttpError(405, 'method_not_allowed', `${request.method} is not allowed here; use ${allow}`, {}, { allow });
}
