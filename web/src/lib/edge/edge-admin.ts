/**
 * The edge's endpoints beyond reading data: who the token is, alert rules and fired alerts, the live counters as a
 * data-quality report, audience delivery and the export log (worker-edge/src/index.ts, docs/alerts-and-audiences.md).
 * Every answer is validated here; a refusal becomes an EdgeRequestError whose `status` tells "no such role" (403)
 * from "bad token" (401), so views can say which role is missing.
 */
import { z } from 'zod';
import type { EdgeConnection } from '../engine/data-engine';
import { validEdgeUrl } from './edge-url';
import { EdgeRequestError, errorMessage } from '../engine/errors';

const REQUEST_TIMEOUT_MS = 30_000;

const whoAmISchema = z.object({
  site: z.string(),
  tokenId: z.string(),
  role: z.enum(['viewer', 'analyst', 'admin']),
  label: z.string().nullable().optional(),
  source: z.enum(['api', 'config']).optional(),
  expiresAt: z.string().nullable().optional(),
  actions: z.array(z.string()).max(100),
});
export type WhoAmI = z.infer<typeof whoAmISchema>;

const ruleSchema = z.object({
  id: z.string(),
  name: z.string(),
  metric: z.string(),
  windowMinutes: z.number(),
  direction: z.string(),
  baseline: z.object({ days: z.number(), weeks: z.number() }),
  threshold: z.object({ k: z.number(), minRelativeChange: z.number(), minBaselineVolume: z.number() }),
  destination: z.string(),
  webhookUrl: z.string().optional(),
  filter: z.string().optional(),
  funnel: z.object({ from: z.string(), to: z.string() }).optional(),
  mutedUntil: z.string().nullable().optional(),
  createdAt: z.string(),
  state: z.object({ status: z.string(), lastWindowEnd: z.number().nullable().optional() }).passthrough(),
});
export type AlertRuleInfo = z.infer<typeof ruleSchema>;

/** The body of POST / PUT …/alerts (worker-edge/src/alerts/alert-rule.ts validates it and names each bad field). */
export interface AlertRuleBody {
  name?: string;
  metric: string;
  filter?: string;
  /** funnel_rate only: the step's two track event names */
  funnel?: { from: string; to: string };
  windowMinutes?: number;
  direction?: 'drop' | 'spike' | 'both';
  threshold?: { k?: number; minRelativeChange?: number; minBaselineVolume?: number };
  webhookUrl: string;
}

const ruleAnswerSchema = z.object({ rule: ruleSchema });
const ruleTestSchema = z.object({
  test: z.object({
    ruleId: z.string(),
    window: z.object({ from: z.string(), to: z.string() }),
    outcome: z.string(),
    wouldFire: z.boolean(),
    muted: z.boolean(),
    assessment: z.object({ value: z.number(), median: z.number().nullable(), lower: z.number().nullable(), upper: z.number().nullable() }).passthrough(),
    message: z.string().nullable(),
    webhook: z.object({ ok: z.boolean(), status: z.number().nullable(), error: z.string().nullable() }).passthrough().nullable(),
  }),
});
export type AlertRuleTest = z.infer<typeof ruleTestSchema>['test'];
const dimensionsSchema = z.object({ values: z.record(z.string(), z.array(z.string()).max(1000)) });

const alertSchema = z.object({
  id: z.number(),
  ruleId: z.string(),
  ruleName: z.string(),
  metric: z.string(),
  direction: z.string(),
  window: z.object({ from: z.string(), to: z.string() }),
  value: z.number(),
  baseline: z.object({ median: z.number(), mad: z.number() }).passthrough(),
  message: z.string(),
  firedAt: z.string(),
  lastSeenAt: z.string(),
  resolvedAt: z.string().nullable(),
  delivery: z.object({ destination: z.string(), status: z.string(), attempts: z.number(), lastError: z.string().nullable(), deliveredAt: z.string().nullable() }).passthrough(),
});
export type FiredAlert = z.infer<typeof alertSchema>;

const rulesSchema = z.object({ rules: z.array(ruleSchema).max(1000) });
const alertsSchema = z.object({ alerts: z.array(alertSchema).max(1000), next: z.number().nullable() });

/** A queued audience delivery and its progress (POST answers 202 with it; GET …/deliveries/<id> follows it). */
const deliverySchema = z
  .object({
    deliveryId: z.string(),
    status: z.enum(['queued', 'delivering', 'delivered', 'failed']),
    members: z.number(),
    membersDelivered: z.number(),
    batches: z.number(),
    batchesDelivered: z.number(),
    attempts: z.number(),
    destination: z.string(),
    lastError: z.string().nullable(),
    failure: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    channel: z.string().nullable().optional(),
    audienceId: z.string().optional(),
    holdout: z.object({ share: z.number(), heldOut: z.number() }).optional(),
    suppressed: z.record(z.string(), z.number()).optional(),
  })
  .passthrough();
export type DeliveryReport = z.infer<typeof deliverySchema>;

const consentCheckSchema = z.object({ granted: z.array(z.string()) }).passthrough();

const exportRecordSchema = z.object({ export: z.object({ id: z.number() }).passthrough() });

const logRecordSchema = z.object({
  id: z.number(),
  kind: z.enum(['webhook', 'csv']),
  at: z.string(),
  by: z.string(),
  tokenLabel: z.string().nullable(),
  name: z.string().nullable(),
  source: z.string().nullable(),
  members: z.number().nullable(),
  destination: z.string().nullable(),
  status: z.string(),
  membersDelivered: z.number().nullable(),
  failure: z.string().nullable(),
  deliveryId: z.string().nullable().optional(),
  audienceId: z.string().nullable().optional(),
  channel: z.string().nullable().optional(),
  holdout: z.number().nullable().optional(),
});
export type AudienceLogRecord = z.infer<typeof logRecordSchema>;
const logSchema = z.object({ records: z.array(logRecordSchema).max(500), next: z.number().nullable() });

/** What the dashboard sends to deliver an audience: the edge accepts its own 32-hex pseudonyms only. */
export interface RecommendedItem {
  item: string;
  score: number;
  reason?: string;
}

/** The body of POST …/audiences/deliveries (worker-edge/src/audience/audience-request.ts). */
export interface AudienceDelivery {
  name: string;
  source: string;
  webhookUrl?: string;
  audienceId?: string;
  /** The destination channel of a marketing audience: members need consent for marketing:<channel>. */
  channel?: string;
  payload?: 'basic' | 'recommendations' | 'risk';
  frequencyCap?: { max: number; windowDays: number } | null;
  purchaseQuietDays?: number;
  holdout?: number;
  members: { id: string; channel?: string; score?: number; address?: string; items?: RecommendedItem[]; drivers?: { feature: string; value: number; contribution: number }[]; lastOrderAt?: number }[];
}

const failureDaySchema = z.object({
  date: z.string(),
  counts: z.record(z.string(), z.number()),
  operations: z.number(),
  failures: z.number(),
  ratePercent: z.number().nullable(),
});
const failureReportSchema = z.object({
  limitPercent: z.number(),
  days: z.array(failureDaySchema),
  total: failureDaySchema.omit({ date: true }),
  withinLimit: z.boolean(),
  daysOverLimit: z.array(z.string()),
});
export type FailureReport = z.infer<typeof failureReportSchema>;

const roleSchema = z.enum(['viewer', 'analyst', 'admin']);

const tokenInfoSchema = z.object({
  id: z.string(),
  role: roleSchema,
  label: z.string(),
  status: z.enum(['active', 'revoked', 'expired']),
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  replacedBy: z.string().nullable(),
});
export type TokenInfo = z.infer<typeof tokenInfoSchema>;
const tokenListSchema = z.object({
  tokens: z.array(tokenInfoSchema).max(10_000),
  configTokens: z.array(z.object({ id: z.string(), role: roleSchema, source: z.literal('config') })).max(1000),
});
export type TokenList = z.infer<typeof tokenListSchema>;
/** A new token: the secret is in this answer only. */
const issuedTokenSchema = tokenInfoSchema.extend({ token: z.string() });
export type IssuedToken = z.infer<typeof issuedTokenSchema>;

const erasureSchema = z
  .object({
    id: z.string(),
    status: z.string(),
    phase: z.string(),
    via: z.string(),
    hashedIds: z.array(z.string()),
    linkedIds: z.number(),
    confirmed: z.boolean(),
    requestedBy: z.string(),
    requestedAt: z.string(),
    finishedAt: z.string().nullable(),
    rowsRemoved: z.number(),
    filesRewritten: z.number(),
    error: z.string().nullable(),
  })
  .passthrough();
export type ErasureInfo = z.infer<typeof erasureSchema>;
const erasureListSchema = z.object({ erasures: z.array(erasureSchema).max(1000) });

const retentionSchema = z.object({
  retentionDays: z.number(),
  source: z.enum(['default', 'config', 'api']),
  configuredDays: z.number().nullable().optional(),
  floorDays: z.number(),
  belowFloor: z.boolean(),
  oldestKeptDate: z.string(),
});
export type RetentionInfo = z.infer<typeof retentionSchema>;
export interface RetentionChange {
  /** null: back to the configured value */
  retentionDays: number | null;
  confirm?: boolean;
  override?: boolean;
  reason?: string;
}

const auditEntrySchema = z.object({
  id: z.number(),
  at: z.string(),
  action: z.string(),
  actor: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;
const auditPageSchema = z.object({ entries: z.array(auditEntrySchema).max(1000), next: z.number().nullable() });

export class EdgeAdmin {
  readonly #conn: EdgeConnection;
  readonly #base: string;

  constructor(conn: EdgeConnection) {
    this.#conn = conn;
    this.#base = `${validEdgeUrl(conn.url)}/v1/sites/${encodeURIComponent(conn.site)}`;
  }

  /** The token's role and allowed actions (any valid token may ask). */
  async whoAmI(signal?: AbortSignal): Promise<WhoAmI> {
    return parse(whoAmISchema, await this.#request('GET', 'whoami', 'token check', undefined, signal), 'token check');
  }

  /** Alert rules with their destinations (admin role: alerts.manage). */
  async alertRules(signal?: AbortSignal): Promise<AlertRuleInfo[]> {
    return parse(rulesSchema, await this.#request('GET', 'alerts', 'alert rules', undefined, signal), 'alert rules').rules;
  }

  /** Creates an alert rule (admin role); a 400 names every field that does not fit. */
  async createAlertRule(body: AlertRuleBody, signal?: AbortSignal): Promise<AlertRuleInfo> {
    return parse(ruleAnswerSchema, await this.#request('POST', 'alerts', 'alert rule', body, signal), 'alert rule').rule;
  }

  /** Replaces a rule's definition (admin role); the rule re-arms. */
  async updateAlertRule(id: string, body: AlertRuleBody, signal?: AbortSignal): Promise<AlertRuleInfo> {
    return parse(ruleAnswerSchema, await this.#request('PUT', `alerts/${encodeURIComponent(id)}`, 'alert rule change', body, signal), 'alert rule change').rule;
  }

  async deleteAlertRule(id: string, signal?: AbortSignal): Promise<void> {
    await this.#request('DELETE', `alerts/${encodeURIComponent(id)}`, 'alert rule removal', undefined, signal);
  }

  /** Mutes a rule until a time, or unmutes it (null). */
  async muteAlertRule(id: string, until: string | null, signal?: AbortSignal): Promise<AlertRuleInfo> {
    return parse(ruleAnswerSchema, await this.#request('POST', `alerts/${encodeURIComponent(id)}/mute`, 'mute', { until }, signal), 'mute').rule;
  }

  /** Evaluates a rule now (nothing recorded); with `webhook` also posts a signed test message to its URL. */
  async testAlertRule(id: string, webhook: boolean, signal?: AbortSignal): Promise<AlertRuleTest> {
    return parse(ruleTestSchema, await this.#request('POST', `alerts/${encodeURIComponent(id)}/test`, 'rule test', { webhook }, signal), 'rule test').test;
  }

  /** Campaign / channel / UTM values the edge counts by name (for rule filters; admin role). */
  async alertDimensions(signal?: AbortSignal): Promise<Record<string, string[]>> {
    return parse(dimensionsSchema, await this.#request('GET', 'alerts/dimensions', 'filter values', undefined, signal), 'filter values').values;
  }

  /** Fired alerts, newest first (viewer role: live.read). */
  async firedAlerts(options: { limit?: number; before?: number } = {}, signal?: AbortSignal): Promise<{ alerts: FiredAlert[]; next: number | null }> {
    const query = new URLSearchParams({ limit: String(options.limit ?? 50) });
    if (options.before !== undefined) query.set('before', String(options.before));
    return parse(alertsSchema, await this.#request('GET', `alerts/events?${query}`, 'fired alerts', undefined, signal), 'fired alerts');
  }

  /** Seconds the oldest acknowledged event not yet written to R2 has waited, over every buffer shard (viewer role: live.read). */
  async flushLagSeconds(signal?: AbortSignal): Promise<number> {
    return parse(z.object({ flushLagSeconds: z.number() }).passthrough(), await this.#request('GET', 'metrics?minutes=1', 'flush lag', undefined, signal), 'flush lag').flushLagSeconds;
  }

  /** The raw live counters (per minute and per day); data-quality.ts validates and shapes them. */
  async liveCounters(minutes: number, signal?: AbortSignal): Promise<unknown> {
    return this.#request('GET', `live?minutes=${Math.max(1, Math.min(2880, Math.round(minutes)))}`, 'collection counters', undefined, signal);
  }

  /** GET …/failures (viewer): per UTC day the operations counted for the system failure rate and those that failed. */
  async failures(days: number, signal?: AbortSignal): Promise<FailureReport> {
    return parse(failureReportSchema, await this.#request('GET', `failures?days=${Math.max(1, Math.min(400, Math.round(days)))}`, 'failure rate', undefined, signal), 'failure rate');
  }

  /** Queues an audience for one of the site's allowed webhooks; the edge posts it in the background (analyst role: data.export). */
  async deliverAudience(body: AudienceDelivery, signal?: AbortSignal): Promise<DeliveryReport> {
    return parse(deliverySchema, await this.#request('POST', 'audiences/deliveries', 'audience delivery', body, signal), 'audience delivery');
  }

  /** One queued delivery's progress (analyst role). */
  async audienceDelivery(deliveryId: string, signal?: AbortSignal): Promise<DeliveryReport> {
    return parse(deliverySchema, await this.#request('GET', `audiences/deliveries/${encodeURIComponent(deliveryId)}`, 'delivery status', undefined, signal), 'delivery status');
  }

  /** Which of `ids` have marketing consent for `channel` now (analyst role), so that a CSV export leaves out the others. */
  async marketingConsent(channel: string, ids: string[], signal?: AbortSignal): Promise<Set<string>> {
    const answer = await this.#request('POST', 'audiences/consent', 'consent check', { channel, ids }, signal);
    return new Set(parse(consentCheckSchema, answer, 'consent check').granted);
  }

  /** Records a CSV export made in this browser in the edge's audit log (analyst role: data.export). */
  async recordCsvExport(body: { name: string; source: string; count: number }, signal?: AbortSignal): Promise<number> {
    const answer = await this.#request('POST', 'audiences/exports', 'export log', { ...body, format: 'csv' }, signal);
    return parse(exportRecordSchema, answer, 'export log').export.id;
  }

  /** Webhook deliveries and CSV exports, newest first (analyst role). */
  async audienceLog(limit = 20, signal?: AbortSignal): Promise<AudienceLogRecord[]> {
    return parse(logSchema, await this.#request('GET', `audiences/deliveries?limit=${limit}`, 'export log', undefined, signal), 'export log').records;
  }

  /** API tokens (without secrets) and the ids of SITE_SECRETS tokens (admin role: tokens.manage). */
  async tokens(signal?: AbortSignal): Promise<TokenList> {
    return parse(tokenListSchema, await this.#request('GET', 'tokens', 'token list', undefined, signal), 'token list');
  }

  /** Issues a token; its secret is in this answer and nowhere else. */
  async createToken(body: { role: TokenInfo['role']; label: string; expiresInDays?: number }, signal?: AbortSignal): Promise<IssuedToken> {
    return parse(issuedTokenSchema, await this.#request('POST', 'tokens', 'new token', body, signal), 'new token');
  }

  /** Issues a successor with the same role and retires the old token (after `graceSeconds`). */
  async rotateToken(id: string, graceSeconds: number, signal?: AbortSignal): Promise<IssuedToken> {
    return parse(issuedTokenSchema, await this.#request('POST', `tokens/${encodeURIComponent(id)}/rotate`, 'token rotation', { graceSeconds }, signal), 'token rotation');
  }

  async revokeToken(id: string, signal?: AbortSignal): Promise<TokenInfo> {
    return parse(tokenInfoSchema, await this.#request('DELETE', `tokens/${encodeURIComponent(id)}`, 'token revocation', undefined, signal), 'token revocation');
  }

  /** Erases a person by the user id the app sends (hashed by the edge), or confirms a large request (admin role). */
  async requestErasure(body: { userId: string; confirm?: boolean }, signal?: AbortSignal): Promise<ErasureInfo> {
    return parse(erasureSchema, await this.#request('POST', 'erasure', 'erasure request', body, signal), 'erasure request');
  }

  async erasures(limit = 50, signal?: AbortSignal): Promise<ErasureInfo[]> {
    return parse(erasureListSchema, await this.#request('GET', `erasure?limit=${limit}`, 'erasure list', undefined, signal), 'erasure list').erasures;
  }

  async retention(signal?: AbortSignal): Promise<RetentionInfo> {
    return parse(retentionSchema, await this.#request('GET', 'settings/retention', 'retention setting', undefined, signal), 'retention setting');
  }

  async setRetention(change: RetentionChange, signal?: AbortSignal): Promise<RetentionInfo> {
    return parse(retentionSchema, await this.#request('PUT', 'settings/retention', 'retention change', change, signal), 'retention change');
  }

  /** The audit log, newest first; `next` pages further back (admin role: audit.read). */
  async audit(options: { before?: number; limit?: number; action?: string } = {}, signal?: AbortSignal): Promise<{ entries: AuditEntry[]; next: number | null }> {
    const query = new URLSearchParams({ limit: String(options.limit ?? 50) });
    if (options.before !== undefined) query.set('before', String(options.before));
    if (options.action) query.set('action', options.action);
    return parse(auditPageSchema, await this.#request('GET', `audit?${query}`, 'audit log', undefined, signal), 'audit log');
  }

  async #request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, what: string, body: unknown, signal: AbortSignal | undefined, timeoutMs = REQUEST_TIMEOUT_MS): Promise<unknown> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { authorization: `Bearer ${this.#conn.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.#base}/${path}`, {
        method,
        headers,
        cache: 'no-store',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new EdgeRequestError(`could not reach the edge at ${this.#conn.url} for the ${what}: ${errorMessage(error)}`, null, { cause: error });
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      if (res.ok) throw new EdgeRequestError(`the edge's ${what} is not JSON: ${text.slice(0, 200)}`, res.status);
    }
    if (!res.ok) {
      const body = json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : null;
      const code = typeof body?.error === 'string' ? body.error : null;
      throw new EdgeRequestError(`the edge refused the ${what}: HTTP ${res.status}${refusalDetail(json)}`, res.status, { code, body });
    }
    return json;
  }
}

function refusalDetail(body: unknown): string {
  if (body === null || typeof body !== 'object') return '';
  const { message, error } = body as { message?: unknown; error?: unknown };
  return typeof message === 'string' ? `: ${message.slice(0, 500)}` : typeof error === 'string' ? `: ${error}` : '';
}

function parse<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new EdgeRequestError(`the edge's ${what} is not in the expected shape: ${parsed.error.message.slice(0, 500)}`, 200);
  return parsed.data;
}

/** A sentence for a refusal: which role the action needs, or that the token is not accepted. */
export function roleProblem(error: unknown, needed: 'viewer' | 'analyst' | 'admin', action: string): string | null {
  if (!(error instanceof EdgeRequestError)) return null;
  if (error.status === 401) return `The edge does not accept this token (HTTP 401). Reconnect with a valid token to ${action}.`;
  if (error.status === 403) return `This token's role may not ${action}: it needs the ${needed} role (HTTP 403). Connect with a token of that role.`;
  return null;
}
