import { requireSiteAccess, type AccessGrant } from './access/site-access';
import type { Action } from './access/roles';
import { handleCreateToken, handleListTokens, handleRevokeToken, handleRotateToken, handleWhoAmI } from './access/token-routes';
import { handleCreateAlertRule, handleDeleteAlertRule, handleListAlertEvents, handleListAlertRules } from './alerts/alert-routes';
import { handleMetrics } from './alerts/metrics-route';
import { runScheduledAlerts } from './alerts/scheduled';
import { handleAudienceDeliveryStatus, handleDeliverAudience, handleListAudienceLog, handleRecordCsvExport } from './audience/audience-routes';
import { handleFlush } from './buffer/flush-route';
import { handleDashboardConfig } from './dashboard/dashboard-config-route';
import { serveSplitAsset } from './dashboard/split-asset';
import type { Env } from './env';
import { errorResponse, HttpError, jsonResponse } from './http/http-error';
import { handleIngest, INGEST_CORS_HEADERS, ingestPathSchema } from './ingest/ingest-route';
import { handleTrackerScript } from './ingest/tracker-route';
import { handleAudit } from './lifecycle/audit-route';
import { handleErasureStatus, handleListErasures, handleRequestErasure } from './lifecycle/erasure-route';
import { handleExportListing } from './lifecycle/export-route';
import { handleGetRetention, handlePutRetention } from './lifecycle/retention-route';
import { runScheduledLifecycle } from './lifecycle/scheduled';
import { handleLive } from './live/live-route';
import { readCorsHeaders, siteForCors } from './read/cors';
import { handleFile } from './read/file-route';
import { handleManifest } from './read/manifest-route';

export { SiteAlerts } from './alerts/site-alerts';
export { SiteAudiences } from './audience/site-audiences';
export { IngestBuffer } from './buffer/ingest-buffer';
export { SiteLifecycle } from './lifecycle/site-lifecycle';
export { SiteState } from './storage/site-state';

const SITE_ROUTE = /^\/v1\/sites\/([a-z0-9][a-z0-9_-]{0,62})\/([a-z]+)(?:\/(.+))?$/;

interface RouteContext {
  request: Request;
  env: Env;
  url: URL;
  /** The path after the resource, e.g. a file key or a token id; matched by the route's pattern. */
  params: string[];
  grant: AccessGrant;
  cors: Record<string, string>;
}

interface Route {
  resource: string;
  /** null: nothing may follow the resource; otherwise the rest of the path, captured into params. */
  rest: RegExp | null;
  method: string;
  action: Action | null;
  handle(context: RouteContext): Promise<Response> | Response;
}

const SITE_ROUTES: readonly Route[] = [
  { resource: 'manifest', rest: null, method: 'GET', action: 'data.read', handle: (c) => handleManifest(c.url, c.env, c.grant.site.id, c.cors) },
  { resource: 'files', rest: /^(.+)$/, method: 'GET', action: 'data.read', handle: (c) => handleFile(c.request, c.env, c.grant.site.id, c.params[0]!, c.cors) },
  { resource: 'files', rest: /^(.+)$/, method: 'HEAD', action: 'data.read', handle: (c) => handleFile(c.request, c.env, c.grant.site.id, c.params[0]!, c.cors) },
  { resource: 'live', rest: null, method: 'GET', action: 'live.read', handle: (c) => handleLive(c.url, c.env, c.grant.site.id, c.cors) },
  { resource: 'whoami', rest: null, method: 'GET', action: null, handle: (c) => handleWhoAmI(c.grant, c.cors) },
  { resource: 'export', rest: null, method: 'GET', action: 'data.export', handle: (c) => handleExportListing(c.url, c.env, c.grant, c.cors) },
  { resource: 'flush', rest: null, method: 'POST', action: 'buffer.flush', handle: (c) => handleFlush(c.env, c.grant.site.id, c.cors) },
  { resource: 'tokens', rest: null, method: 'GET', action: 'tokens.manage', handle: (c) => handleListTokens(c.env, c.grant, c.cors) },
  { resource: 'tokens', rest: null, method: 'POST', action: 'tokens.manage', handle: (c) => handleCreateToken(c.request, c.env, c.grant, c.cors) },
  { resource: 'tokens', rest: /^([^/]+)$/, method: 'DELETE', action: 'tokens.manage', handle: (c) => handleRevokeToken(c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'tokens', rest: /^([^/]+)\/rotate$/, method: 'POST', action: 'tokens.manage', handle: (c) => handleRotateToken(c.request, c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'erasure', rest: null, method: 'POST', action: 'erasure.manage', handle: (c) => handleRequestErasure(c.request, c.env, c.grant, c.cors) },
  { resource: 'erasure', rest: null, method: 'GET', action: 'erasure.manage', handle: (c) => handleListErasures(c.url, c.env, c.grant, c.cors) },
  { resource: 'erasure', rest: /^([^/]+)$/, method: 'GET', action: 'erasure.manage', handle: (c) => handleErasureStatus(c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'settings', rest: /^retention$/, method: 'GET', action: 'retention.manage', handle: (c) => handleGetRetention(c.env, c.grant, c.cors) },
  { resource: 'settings', rest: /^retention$/, method: 'PUT', action: 'retention.manage', handle: (c) => handlePutRetention(c.request, c.env, c.grant, c.cors) },
  { resource: 'audit', rest: null, method: 'GET', action: 'audit.read', handle: (c) => handleAudit(c.url, c.env, c.grant, c.cors) },
  { resource: 'metrics', rest: null, method: 'GET', action: 'live.read', handle: (c) => handleMetrics(c.url, c.env, c.grant.site.id, c.cors) },
  { resource: 'alerts', rest: null, method: 'POST', action: 'alerts.manage', handle: (c) => handleCreateAlertRule(c.request, c.env, c.grant, c.cors) },
  { resource: 'alerts', rest: null, method: 'GET', action: 'alerts.manage', handle: (c) => handleListAlertRules(c.env, c.grant, c.cors) },
  { resource: 'alerts', rest: /^events$/, method: 'GET', action: 'live.read', handle: (c) => handleListAlertEvents(c.url, c.env, c.grant, c.cors) },
  { resource: 'alerts', rest: /^([^/]+)$/, method: 'DELETE', action: 'alerts.manage', handle: (c) => handleDeleteAlertRule(c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'audiences', rest: /^deliveries$/, method: 'POST', action: 'data.export', handle: (c) => handleDeliverAudience(c.request, c.env, c.grant, c.cors) },
  { resource: 'audiences', rest: /^deliveries$/, method: 'GET', action: 'data.export', handle: (c) => handleListAudienceLog(c.url, c.env, c.grant, c.cors) },
  { resource: 'audiences', rest: /^deliveries\/([^/]+)$/, method: 'GET', action: 'data.export', handle: (c) => handleAudienceDeliveryStatus(c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'audiences', rest: /^exports$/, method: 'POST', action: 'data.export', handle: (c) => handleRecordCsvExport(c.request, c.env, c.grant, c.cors) },
];

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
    const grant = await requireSiteAccess(request, env, siteId, chosen.route.action);
    return await chosen.route.handle({ request, env, url, params: chosen.params, grant, cors });
  } catch (error) {
    return errorResponse(error, cors);
  }
}

function methodNotAllowed(request: Request, allow: string): HttpError {
  return new HttpError(405, 'method_not_allowed', `${request.method} is not allowed here; use ${allow}`, {}, { allow });
}
