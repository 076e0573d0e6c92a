import { requireSiteAccess } from './access/site-access';
import { runScheduledAlerts } from './alerts/scheduled';
import { handleDashboardConfig } from './dashboard/dashboard-config-route';
import { serveSplitAsset } from './dashboard/split-asset';
import type { Env } from './env';
import { errorResponse, HttpError, jsonResponse } from './http/http-error';
import { handleIngest, INGEST_CORS_HEADERS, ingestPathSchema } from './ingest/ingest-route';
import { handleTrackerScript } from './ingest/tracker-route';
import { runScheduledBackups } from './backup/scheduled';
import { loadSitesConfig } from './config/sites';
import { tallyRequest } from './health/request-tally';
import { runScheduledLifecycle } from './lifecycle/scheduled';
import { readCorsHeaders, siteForCors } from './read/cors';
import { routeAction, SITE_ROUTES } from './site-routes';

export { SiteAlerts } from './alerts/site-alerts';
export { SiteAudiences } from './audience/site-audiences';
export { SiteBackup } from './backup/site-backup';
export { SiteHealth } from './health/site-health';
export { IngestBuffer } from './buffer/ingest-buffer';
export { SiteLifecycle } from './lifecycle/site-lifecycle';
export { SiteState } from './storage/site-state';

const SITE_ROUTE = /^\/v1\/sites\/([a-z0-9][a-z0-9_-]{0,62})\/([a-z]+)(?:\/(.+))?$/;

export default {
  async fetch(request, env, ctx?: ExecutionContext) {
    const url = new URL(request.url);
    const ingest = /^\/v1\/([a-z]+)$/.exec(url.pathname);
    if (ingest) {
      const kind = ingestPathSchema.safeParse(ingest[1]);
      if (kind.success) {
        if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: INGEST_CORS_HEADERS });
        if (request.method !== 'POST') return errorResponse(methodNotAllowed(request, 'POST'), INGEST_CORS_HEADERS);
        // The site is known once the write key is read; a request refused before that counts for no site.
        let site: string | null = null;
        let response: Response;
        try {
          response = await handleIngest(request, env, kind.data === 'batch' ? null : kind.data, (id) => (site = id));
        } catch (error) {
          response = errorResponse(error, INGEST_CORS_HEADERS);
        }
        if (site !== null) countRequest(env, ctx, site, response.status);
        return response;
      }
    }
    const siteRoute = SITE_ROUTE.exec(url.pathname);
    if (siteRoute) {
      const response = await handleSiteRoute(request, env, url, siteRoute[1]!, siteRoute[2]!, siteRoute[3]);
      countRequest(env, ctx, siteRoute[1]!, response.status);
      return response;
    }
    if (url.pathname === '/t.js' && (request.method === 'GET' || request.method === 'HEAD')) return handleTrackerScript(request);
    if (url.pathname === '/healthz') return jsonResponse({ ok: true });
    if (url.pathname === '/v1/dashboard-config') {
      try {
        if (request.method !== 'GET') throw methodNotAllowed(request, 'GET');
        return handleDashboardConfig(request, env);
      } catch (error) {
        return errorResponse(error);
      }
    }
    // Paths with no static asset (wrangler.toml [assets]) arrive here; the large dashboard wasm files are stored in parts.
    const splitAsset = await serveSplitAsset(request, env.ASSETS);
    if (splitAsset) return splitAsset;
    return errorResponse(new HttpError(404, 'not_found', `no route for ${request.method} ${url.pathname}`));
  },

  // Two crons (wrangler.toml): every minute alert rules are evaluated (an abnormal drop alerts within 10 minutes,
  // docs/alerts-and-audiences.md); every 5 minutes lifecycle and backups run too. Evaluating a window twice is a no-op.
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduledAlerts(env, controller.scheduledTime));
    if (controller.cron !== ALERTS_ONLY_CRON) {
      ctx.waitUntil(runScheduledLifecycle(env));
      ctx.waitUntil(runScheduledBackups(env, controller.scheduledTime));
    }
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

/** Every answer of a site counts toward its failure rate (request-tally.ts); counting never delays or fails the answer. */
function countRequest(env: Env, ctx: ExecutionContext | undefined, site: string, status: number): void {
  try {
    // Only configured sites are counted (an unknown site's 404 would create a Durable Object per name tried).
    if (!loadSitesConfig(env).sites.has(site)) return;
    const write = tallyRequest(env, site, status);
    if (write) ctx?.waitUntil(write);
  } catch (error) {
    console.warn('request not counted', error);
  }
}

function methodNotAllowed(request: Request, allow: string): HttpError {
  return new HttpError(405, 'method_not_allowed', `${request.method} is not allowed here; use ${allow}`, {}, { allow });
}

/** The every-minute cron of wrangler.toml: alert evaluation only. */
const ALERTS_ONLY_CRON = '* * * * *';
