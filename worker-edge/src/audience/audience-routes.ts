import type { AccessGrant } from '../access/site-access';
import { readBody } from '../alerts/request-body';
import { audienceWebhookPolicy, describeDestination, webhookUrlProblem } from '../alerts/webhook-url';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import type { AuditEntry } from '../lifecycle/audit-log';
import { boundedLimit } from '../lifecycle/erasure-route';
import { catalogOf } from '../stubs';
import { toHex } from '@privacy-analytics/core/privacy';
import { deliverAudience, AUDIENCE_BATCH_SIZE } from './audience-delivery';
import { CSV_EXPORT_BODY_HELP, csvExportBodySchema, DELIVERY_BODY_HELP, deliveryBodySchema } from './audience-request';

/** 50,000 members of about 70 bytes each, with room to spare. */
const MAX_DELIVERY_BODY_BYTES = 4 * 1024 * 1024;
const MAX_EXPORT_BODY_BYTES = 4096;
/** Outcome entries scanned to complete one page of the listing. */
const MAX_OUTCOME_SCAN = 5000;

/**
 * POST /v1/sites/<site>/audiences/deliveries (analyst): posts an audience computed in the browser
 * to one of the site's allow-listed webhooks. The audit log records who sent how many members of
 * which audience where, before the first batch leaves (audience.deliver), and the outcome after
 * (audience.delivered); never the members.
 */
export async function handleDeliverAudience(request: Request, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const site = grant.site;
  const body = await readBody(request, deliveryBodySchema, MAX_DELIVERY_BODY_BYTES, 'invalid_audience', DELIVERY_BODY_HELP);
  if (site.audienceWebhookUrls.length === 0) {
    throw new HttpError(409, 'no_audience_webhook', `site "${site.id}" has no audienceWebhookUrls configured in SITES; an operator must allow a destination first`);
  }
  const url = body.webhookUrl ?? site.audienceWebhookUrls[0]!;
  const problem = webhookUrlProblem(url, audienceWebhookPolicy(env, site));
  if (problem) throw new HttpError(400, 'webhook_not_allowed', `webhookUrl: ${problem}`);

  const catalog = catalogOf(env, site.id);
  const deliveryId = toHex(crypto.getRandomValues(new Uint8Array(8)));
  const facts = {
    deliveryId,
    name: body.name,
    source: body.source,
    members: body.members.length,
    withChannel: body.members.filter((m) => m.channel !== undefined).length,
    destination: describeDestination(url),
    batches: Math.ceil(body.members.length / AUDIENCE_BATCH_SIZE),
    tokenLabel: grant.label,
  };
  await catalog.appendAudit({ action: 'audience.deliver', actor: grant.tokenId, details: facts });
  const report = await deliverAudience({ deliveryId, site: site.id, name: body.name, source: body.source, url, secret: site.webhookSecret, members: body.members });
  await catalog.appendAudit({ action: 'audience.delivered', actor: grant.tokenId, details: { ...facts, ...report } });
  const answer = { site: site.id, ...facts, ...report };
  if (report.status === 'delivered') return jsonResponse(answer, 200, { ...headers, 'cache-control': 'no-store' });
  throw new HttpError(502, 'webhook_failed', `audience delivery ${deliveryId} stopped: ${report.failure}`, answer);
}

/** POST /v1/sites/<site>/audiences/exports (analyst): records a CSV export the dashboard made in the browser. */
export async function handleRecordCsvExport(request: Request, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const body = await readBody(request, csvExportBodySchema, MAX_EXPORT_BODY_BYTES, 'invalid_export', CSV_EXPORT_BODY_HELP);
  const details = { name: body.name, source: body.source, members: body.count, format: body.format, tokenLabel: grant.label };
  const id = await catalogOf(env, grant.site.id).appendAudit({ action: 'audience.export', actor: grant.tokenId, details });
  return jsonResponse({ site: grant.site.id, export: { id, kind: 'csv', by: grant.tokenId, ...details } }, 201, { ...headers, 'cache-control': 'no-store' });
}

export interface AudienceLogRecord {
  /** Audit id of the record's first entry; `before` pages on it. */
  id: number;
  kind: 'webhook' | 'csv';
  at: string;
  by: string;
  tokenLabel: string | null;
  name: string | null;
  source: string | null;
  members: number | null;
  destination: string | null;
  deliveryId: string | null;
  /** csv: recorded; webhook: delivered, failed, or sending while no outcome is logged. */
  status: 'recorded' | 'sending' | 'delivered' | 'failed';
  membersDelivered: number | null;
  failure: string | null;
  finishedAt: string | null;
}

/** GET /v1/sites/<site>/audiences/deliveries?limit=&before= (analyst): webhook deliveries and CSV exports, newest first. */
export async function handleListAudienceLog(url: URL, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const limit = boundedLimit(url, 50, 500);
  const beforeText = url.searchParams.get('before');
  const before = beforeText === null ? undefined : Number(beforeText);
  if (before !== undefined && (!Number.isInteger(before) || before < 1)) throw new HttpError(400, 'invalid_parameter', `before: expected a record id, got "${beforeText!.slice(0, 40)}"`);
  const catalog = catalogOf(env, grant.site.id);
  const [deliveries, exports] = await Promise.all([
    catalog.listAudit({ action: 'audience.deliver', beforeId: before, limit }),
    catalog.listAudit({ action: 'audience.export', beforeId: before, limit }),
  ]);
  const page = [...deliveries, ...exports].sort((a, b) => b.id - a.id).slice(0, limit);
  const outcomes = new Map<string, AuditEntry>();
  const oldest = page.at(-1)?.id ?? 0;
  let cursor: number | undefined;
  for (let scanned = 0; page.length > 0 && scanned < MAX_OUTCOME_SCAN; scanned += 1000) {
    const batch = await catalog.listAudit({ action: 'audience.delivered', beforeId: cursor, limit: 1000 });
    for (const entry of batch) if (typeof entry.details.deliveryId === 'string') outcomes.set(entry.details.deliveryId, entry);
    if (batch.length < 1000 || batch.at(-1)!.id < oldest) break;
    cursor = batch.at(-1)!.id;
  }
  const records = page.map((entry) => toRecord(entry, outcomes));
  const next = page.length === limit ? page.at(-1)!.id : null;
  return jsonResponse({ site: grant.site.id, records, next }, 200, { ...headers, 'cache-control': 'no-store' });
}

function toRecord(entry: AuditEntry, outcomes: ReadonlyMap<string, AuditEntry>): AudienceLogRecord {
  const d = entry.details;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const count = (value: unknown) => (typeof value === 'number' ? value : null);
  const base = { id: entry.id, at: entry.at, by: entry.actor, tokenLabel: text(d.tokenLabel), name: text(d.name), source: text(d.source), members: count(d.members) };
  if (entry.action === 'audience.export') {
    return { ...base, kind: 'csv', destination: null, deliveryId: null, status: 'recorded', membersDelivered: null, failure: null, finishedAt: null };
  }
  const deliveryId = text(d.deliveryId);
  const outcome = deliveryId === null ? undefined : outcomes.get(deliveryId);
  const status = outcome?.details.status === 'delivered' || outcome?.details.status === 'failed' ? outcome.details.status : 'sending';
  return {
    ...base,
    kind: 'webhook',
    destination: text(d.destination),
    deliveryId,
    status,
    membersDelivered: count(outcome?.details.membersDelivered),
    failure: text(outcome?.details.failure),
    finishedAt: outcome?.at ?? null,
  };
}
