import type { AccessGrant } from '../access/site-access';
import { readBody } from '../alerts/request-body';
import { audienceWebhookPolicy, webhookUrlProblem } from '../alerts/webhook-url';
import type { Env } from '../env';
import { HttpError, jsonResponse } from '../http/http-error';
import type { AuditEntry } from '../lifecycle/audit-log';
import { boundedLimit } from '../lifecycle/erasure-route';
import { audiencesOf, catalogOf } from '../stubs';
import { toHex } from '@privacy-analytics/core/privacy';
import { CSV_EXPORT_BODY_HELP, csvExportBodySchema, DELIVERY_BODY_HELP, deliveryBodySchema } from './audience-request';
import type { ContactPolicy } from './contact-policy';
import { MAX_DELIVERIES_KEPT, type AudienceDeliveryStatus } from './delivery-store';

/** 50,000 members with a contact key and a few recommended items each. */
const MAX_DELIVERY_BODY_BYTES = 16 * 1024 * 1024;
export const DEFAULT_FREQUENCY_CAP = { max: 2, windowDays: 7 };
export const DEFAULT_PURCHASE_QUIET_DAYS = 3;
const MAX_EXPORT_BODY_BYTES = 4096;
/** Outcome entries scanned to complete one page of the listing. */
const MAX_OUTCOME_SCAN = 5000;
const DELIVERY_ID_PATTERN = /^[0-9a-f]{16}$/;

/**
 * POST /v1/sites/<site>/audiences/deliveries (analyst): queues an audience computed in the browser for one of the
 * site's allow-listed webhooks and answers 202 with the delivery id; the site's SiteAudiences posts it from its alarm.
 * The audit log records who sent how many members of which audience where (audience.deliver) before the first batch
 * leaves, and the outcome (audience.delivered, audience.delivery_failed); never the members.
 */
export async function handleDeliverAudience(request: Request, env: Env, grant: AccessGrant, headers: Record<string, string>): Promise<Response> {
  const site = grant.site;
  if (site.audienceWebhookUrls.length === 0) {
    throw new HttpError(409, 'no_audience_webhook', `site "${site.id}" has no audienceWebhookUrls configured in SITES; an operator must allow a destination first`);
  }
  if (!site.webhookSecret) {
    throw new HttpError(
      409,
      'webhook_secret_required',
      `site "${site.id}" has no webhookSecret in SITE_SECRETS: audience deliveries are always signed, so an operator must set one (at least 16 characters) first; CSV exports are not affected`,
    );
  }
  const body = await readBody(request, deliveryBodySchema, MAX_DELIVERY_BODY_BYTES, 'invalid_audience', DELIVERY_BODY_HELP);
  const url = body.webhookUrl ?? site.audienceWebhookUrls[0]!;
  const problem = webhookUrlProblem(url, audienceWebhookPolicy(env, site));
  if (problem) throw new HttpError(400, 'webhook_not_allowed', `webhookUrl: ${problem}`);

  const deliveryId = toHex(crypto.getRandomValues(new Uint8Array(8)));
  const channel = body.channel ?? null;
  const policy: ContactPolicy = {
    audienceId: body.audienceId ?? deliveryId,
    channel,
    holdout: body.holdout ?? 0,
    // A marketing audience is capped unless the request says otherwise: at most 2 messages per channel a week, none in the 3 days after an order.
    frequencyCap: channel === null ? null : body.frequencyCap === undefined ? DEFAULT_FREQUENCY_CAP : body.frequencyCap,
    purchaseQuietDays: channel === null ? 0 : (body.purchaseQuietDays ?? DEFAULT_PURCHASE_QUIET_DAYS),
  };
  const payload = body.payload ?? (body.members.some((m) => m.items !== undefined) ? 'recommendations' : body.members.some((m) => m.drivers !== undefined) ? 'risk' : 'basic');
  const delivery = await audiencesOf(env, site.id).enqueue({
    policy,
    payload,
    deliveryId,
    site: site.id,
    name: body.name,
    source: body.source,
    url,
    members: body.members,
    requestedBy: grant.tokenId,
    tokenLabel: grant.label,
  });
  const location = `/v1/sites/${site.id}/audiences/deliveries/${deliveryId}`;
  return jsonResponse({ site: site.id, ...delivery, statusUrl: location }, 202, { ...headers, 'cache-control': 'no-store', location });
}

/** GET /v1/sites/<site>/audiences/deliveries/<delivery id> (analyst): one delivery's progress. */
export async function handleAudienceDeliveryStatus(env: Env, grant: AccessGrant, deliveryId: string, headers: Record<string, string>): Promise<Response> {
  if (!DELIVERY_ID_PATTERN.test(deliveryId)) throw new HttpError(400, 'invalid_parameter', `delivery id: expected 16 hex characters, got "${deliveryId.slice(0, 40)}"`);
  const delivery = await audiencesOf(env, grant.site.id).delivery(deliveryId);
  if (!delivery) {
    throw new HttpError(404, 'delivery_not_found', `no audience delivery ${deliveryId} on site "${grant.site.id}" (the newest ${MAX_DELIVERIES_KEPT} finished ones are kept; older outcomes are in GET …/audiences/deliveries)`);
  }
  return jsonResponse({ site: grant.site.id, ...delivery }, 200, { ...headers, 'cache-control': 'no-store' });
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
  /** Webhook deliveries: the audience id (the holdout draw's key), the marketing channel and the holdout share. */
  audienceId: string | null;
  channel: string | null;
  holdout: number | null;
  /** csv: recorded; webhook: the delivery's status, `unknown` when neither the queue nor the audit log has its outcome. */
  status: 'recorded' | AudienceDeliveryStatus | 'unknown';
  membersDelivered: number | null;
  attempts: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  failure: string | null;
  finishedAt: string | null;
}

/** An outcome as the listing needs it, from the delivery queue or (for deliveries it no longer holds) the audit log. */
interface Outcome {
  status: AudienceDeliveryStatus | 'unknown';
  membersDelivered: number | null;
  attempts: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
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
  const deliveryIds = page.flatMap((entry) => (entry.action === 'audience.deliver' && typeof entry.details.deliveryId === 'string' ? [entry.details.deliveryId] : []));
  const outcomes = new Map<string, Outcome>();
  if (deliveryIds.length > 0) for (const info of await audiencesOf(env, grant.site.id).deliveries(deliveryIds)) outcomes.set(info.deliveryId, info);
  if (deliveryIds.some((id) => !outcomes.has(id))) {
    const oldest = page.at(-1)!.id;
    for (const action of ['audience.delivered', 'audience.delivery_failed'] as const) {
      for (const entry of await outcomeEntries(catalog, action, oldest)) {
        const id = entry.details.deliveryId;
        if (typeof id === 'string' && !outcomes.has(id)) outcomes.set(id, outcomeFromAudit(entry));
      }
    }
  }
  const records = page.map((entry) => toRecord(entry, outcomes));
  const next = page.length === limit ? page.at(-1)!.id : null;
  return jsonResponse({ site: grant.site.id, records, next }, 200, { ...headers, 'cache-control': 'no-store' });
}

/** Outcome entries of one kind, newest first, back to the audit id `oldest` (at most MAX_OUTCOME_SCAN of them). */
async function outcomeEntries(catalog: ReturnType<typeof catalogOf>, action: 'audience.delivered' | 'audience.delivery_failed', oldest: number): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor: number | undefined;
  for (let scanned = 0; scanned < MAX_OUTCOME_SCAN; scanned += 1000) {
    const batch = await catalog.listAudit({ action, beforeId: cursor, limit: 1000 });
    entries.push(...batch);
    if (batch.length < 1000 || batch.at(-1)!.id < oldest) break;
    cursor = batch.at(-1)!.id;
  }
  return entries;
}

function outcomeFromAudit(entry: AuditEntry): Outcome {
  const d = entry.details;
  const status = d.status === 'delivered' || d.status === 'failed' ? d.status : 'unknown';
  return { status, membersDelivered: count(d.membersDelivered), attempts: count(d.attempts), lastError: null, nextAttemptAt: null, failure: text(d.failure), finishedAt: entry.at };
}

function toRecord(entry: AuditEntry, outcomes: ReadonlyMap<string, Outcome>): AudienceLogRecord {
  const d = entry.details;
  const base = { id: entry.id, at: entry.at, by: entry.actor, tokenLabel: text(d.tokenLabel), name: text(d.name), source: text(d.source), members: count(d.members) };
  if (entry.action === 'audience.export') {
    return { ...base, kind: 'csv', destination: null, deliveryId: null, audienceId: null, channel: null, holdout: null, status: 'recorded', membersDelivered: null, attempts: null, lastError: null, nextAttemptAt: null, failure: null, finishedAt: null };
  }
  const deliveryId = text(d.deliveryId);
  const outcome = (deliveryId === null ? undefined : outcomes.get(deliveryId)) ?? {
    status: 'unknown',
    membersDelivered: null,
    attempts: null,
    lastError: null,
    nextAttemptAt: null,
    failure: null,
    finishedAt: null,
  };
  const { status, membersDelivered, attempts, lastError, nextAttemptAt, failure, finishedAt } = outcome;
  return { ...base, kind: 'webhook', destination: text(d.destination), deliveryId, audienceId: text(d.audienceId), channel: text(d.channel), holdout: count(d.holdoutShare), status, membersDelivered, attempts, lastError, nextAttemptAt, failure, finishedAt };
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function count(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}
