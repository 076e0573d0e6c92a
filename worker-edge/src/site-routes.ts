import type { Action } from './access/roles';
import type { AccessGrant } from './access/site-access';
import { handleCreateToken, handleListTokens, handleRevokeToken, handleRotateToken, handleWhoAmI } from './access/token-routes';
import {
  handleAlertDimensions,
  handleCreateAlertRule,
  handleDeleteAlertRule,
  handleListAlertEvents,
  handleListAlertRules,
  handleMuteAlertRule,
  handleTestAlertRule,
  handleUpdateAlertRule,
} from './alerts/alert-routes';
import { handleMetrics } from './alerts/metrics-route';
import { handleAudienceDeliveryStatus, handleDeliverAudience, handleListAudienceLog, handleRecordCsvExport } from './audience/audience-routes';
import { handleConsentCheck, handleGetConsent, handleRecordConsent } from './audience/consent-routes';
import { handleBackupStatus, handleRequestBackup, handleRestore, handleRestoreStatus } from './backup/backup-routes';
import { handleFlush } from './buffer/flush-route';
import { handleFailures } from './health/failures-route';
import type { Env } from './env';
import { handleAudit } from './lifecycle/audit-route';
import { handleErasureStatus, handleListErasures, handleRequestErasure } from './lifecycle/erasure-route';
import { handleExportListing } from './lifecycle/export-route';
import { handleGetRetention, handlePutRetention } from './lifecycle/retention-route';
import { handleCreateImport, handleGetImport, handleImportReport, handleListImports, handleWithdrawImport } from './imports/import-routes';
import { handleLive } from './live/live-route';
import { fileReadAction, handleFile } from './read/file-route';
import { handleManifest } from './read/manifest-route';

export interface RouteContext {
  request: Request;
  env: Env;
  url: URL;
  /** The path after the resource, e.g. a file key or a token id; matched by the route's pattern. */
  params: string[];
  grant: AccessGrant;
  cors: Record<string, string>;
}

export interface SiteRoute {
  resource: string;
  /** null: nothing may follow the resource; otherwise the rest of the path, captured into params. */
  rest: RegExp | null;
  method: string;
  /** What the token's role must allow (null: any valid token); a function when it depends on the path (files). */
  action: Action | null | ((params: readonly string[]) => Action);
  handle(context: RouteContext): Promise<Response> | Response;
}

/**
 * Every endpoint under /v1/sites/<site>/, with the action its caller's role must allow (access/roles.ts). The README's
 * API table lists the same routes with their least role; worker-edge/test/access/route-roles.test.ts checks each
 * route against each role.
 */
export const SITE_ROUTES: readonly SiteRoute[] = [
  { resource: 'manifest', rest: null, method: 'GET', action: 'aggregates.read', handle: (c) => handleManifest(c.url, c.env, c.grant.site.id, c.cors) },
  { resource: 'files', rest: /^(.+)$/, method: 'GET', action: (p) => fileReadAction(p[0]!), handle: (c) => handleFile(c.request, c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'files', rest: /^(.+)$/, method: 'HEAD', action: (p) => fileReadAction(p[0]!), handle: (c) => handleFile(c.request, c.env, c.grant, c.params[0]!, c.cors) },
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
  { resource: 'failures', rest: null, method: 'GET', action: 'live.read', handle: (c) => handleFailures(c.url, c.env, c.grant.site.id, c.cors) },
  { resource: 'backups', rest: null, method: 'GET', action: 'backup.manage', handle: (c) => handleBackupStatus(c.env, c.grant, c.cors) },
  { resource: 'backups', rest: null, method: 'POST', action: 'backup.manage', handle: (c) => handleRequestBackup(c.request, c.env, c.grant, c.cors) },
  { resource: 'restore', rest: null, method: 'POST', action: 'backup.manage', handle: (c) => handleRestore(c.request, c.env, c.grant, c.cors) },
  { resource: 'restore', rest: null, method: 'GET', action: 'backup.manage', handle: (c) => handleRestoreStatus(c.env, c.grant, c.cors) },
  { resource: 'alerts', rest: null, method: 'POST', action: 'alerts.manage', handle: (c) => handleCreateAlertRule(c.request, c.env, c.grant, c.cors) },
  { resource: 'alerts', rest: null, method: 'GET', action: 'alerts.manage', handle: (c) => handleListAlertRules(c.env, c.grant, c.cors) },
  { resource: 'alerts', rest: /^events$/, method: 'GET', action: 'live.read', handle: (c) => handleListAlertEvents(c.url, c.env, c.grant, c.cors) },
  { resource: 'alerts', rest: /^dimensions$/, method: 'GET', action: 'alerts.manage', handle: (c) => handleAlertDimensions(c.env, c.grant, c.cors) },
  { resource: 'alerts', rest: /^([^/]+)$/, method: 'PUT', action: 'alerts.manage', handle: (c) => handleUpdateAlertRule(c.request, c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'alerts', rest: /^([^/]+)$/, method: 'DELETE', action: 'alerts.manage', handle: (c) => handleDeleteAlertRule(c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'alerts', rest: /^([^/]+)\/mute$/, method: 'POST', action: 'alerts.manage', handle: (c) => handleMuteAlertRule(c.request, c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'alerts', rest: /^([^/]+)\/test$/, method: 'POST', action: 'alerts.manage', handle: (c) => handleTestAlertRule(c.request, c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'audiences', rest: /^deliveries$/, method: 'POST', action: 'data.export', handle: (c) => handleDeliverAudience(c.request, c.env, c.grant, c.cors) },
  { resource: 'audiences', rest: /^deliveries$/, method: 'GET', action: 'data.export', handle: (c) => handleListAudienceLog(c.url, c.env, c.grant, c.cors) },
  { resource: 'audiences', rest: /^deliveries\/([^/]+)$/, method: 'GET', action: 'data.export', handle: (c) => handleAudienceDeliveryStatus(c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'audiences', rest: /^exports$/, method: 'POST', action: 'data.export', handle: (c) => handleRecordCsvExport(c.request, c.env, c.grant, c.cors) },
  { resource: 'imports', rest: null, method: 'POST', action: 'imports.write', handle: (c) => handleCreateImport(c.request, c.url, c.env, c.grant, c.cors) },
  { resource: 'imports', rest: null, method: 'GET', action: 'imports.write', handle: (c) => handleListImports(c.url, c.env, c.grant, c.cors) },
  { resource: 'imports', rest: /^([^/]+)$/, method: 'GET', action: 'imports.write', handle: (c) => handleGetImport(c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'imports', rest: /^([^/]+)\/report$/, method: 'GET', action: 'imports.write', handle: (c) => handleImportReport(c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'imports', rest: /^([^/]+)$/, method: 'DELETE', action: 'imports.withdraw', handle: (c) => handleWithdrawImport(c.env, c.grant, c.params[0]!, c.cors) },
  { resource: 'audiences', rest: /^consent$/, method: 'POST', action: 'data.export', handle: (c) => handleConsentCheck(c.request, c.env, c.grant, c.cors) },
  { resource: 'consent', rest: null, method: 'POST', action: 'consent.manage', handle: (c) => handleRecordConsent(c.request, c.env, c.grant, c.cors) },
  { resource: 'consent', rest: null, method: 'GET', action: 'consent.manage', handle: (c) => handleGetConsent(c.url, c.env, c.grant, c.cors) },
];

export function routeAction(route: SiteRoute, params: readonly string[]): Action | null {
  return typeof route.action === 'function' ? route.action(params) : route.action;
}
