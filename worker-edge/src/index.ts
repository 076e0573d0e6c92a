import { requireSiteAccess } from './access/site-access';
import { runScheduledAlerts } from './alerts/scheduled';
import type { Env } from './env';
import { errorResponse, HttpError, jsonResponse } from './http/http-error';
import { handleIngest, INGEST_CORS_HEADERS, ingestPathSchema } from './ingest/ingest-route';
import { handleTrackerScript } from './ingest/tracker-route';
import { runScheduledLifecycle } from './lifecycle/scheduled';
import { readCorsHeaders, siteForCors } from './read/cors';
import { routeAction, SITE_ROUTES } from './site-routes';

export { SiteAlerts } from './alerts/site-alerts';
export { SiteAudiences } from './audience/site-audiences';
export { IngestBuffer } from './buffer/ingest-buffer';
export { SiteLifecycle } from './lifecycle/site-lifecycle';
export { SiteState } from './storage/site-state';

const SITE_ROUTE = /^\/v1\/sites\/([a-z0-9][a-z0-9_-]{0,62})\/([a-z]+)(?:\/(.+))?$/;

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

  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduledLifecycle(env));
    ctx.waitUntil(runScheduledAlerts(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;

async function handleSiteRoute(request: Request, env: Env, url: URL, siteId: string, resource: string, rest: string | undefined): Promise<Response> {
  const cors = readCorsHeaders(request, siteForCors(env, siteId));
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: cors });
  try {
    const candidates = SITE_ROUTES.flatMap((route) => {
      if (route.resource !== resource) return [];
      if (route.rest === null) return rest === undefined ? [{ route, params: [] }] : [];
      const match = rest === undefined ? null : route.rest.exec(rest);
      return match ? [{ route, params: match.slice(1) }] : [];
    });
    if (candidates.length === 0) throw new HttpError(404, 'not_found', `no route for ${url.pathname}`);
    const chosen = candidates.find((c) => c.route.method === request.method);
    if (!chosen) throw methodNotAllowed(request, [...new Set(candidates.map((c) => c.route.method))].join(', '));
    const grant = await requireSiteAccess(request, env, siteId, routeAction(chosen.route, chosen.params));
    return await chosen.route.handle({ request, env, url, params: chosen.params, grant, cors });
  } catch (error) {
    return errorResponse(error, cors);
  }
}

function methodNotAllowed(request: Request, allow: string): HttpError {
  return new HttpError(405, 'method_not_allowed', `${request.method} is not allowed here; use ${allow}`, {}, { allow });
}
