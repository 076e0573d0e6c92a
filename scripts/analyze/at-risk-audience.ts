/**
 * `npm run score -- --model models/churn.onnx --input <edge Parquet> --audience NAME [--holdout 0.1] [--channel email]
 *   [--deliver --site SITE --edge URL --token TOKEN] [--audience-out FILE]`
 *
 * The churn model's at-risk list (score >= the threshold chosen when it was trained, models/score/at-risk.ts) as an
 * audience for a retention campaign: each member is the edge's pseudonym with the score and its drivers. The request
 * is the body of the edge's POST /v1/sites/<site>/audiences/deliveries (payload "risk"), written to a file and/or sent
 * to the edge, which keeps the holdout back (drawn on the audience id, so a daily run keeps the same control group),
 * applies consent, caps and quiet days for a marketing channel, signs and posts the batches. Scheduling: the edge
 * cannot score (the scores are computed here or in the browser), so a daily audience is this command run by cron
 * after `npm run export` (README "Churn warning").
 */
import { contactFacts } from '@privacy-analytics/core/analytics';
import { MAX_HOLDOUT_SHARE } from '@privacy-analytics/core/edge-api';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import type { AtRiskList } from '@privacy-analytics/models/score';

export const PSEUDONYM = /^[0-9a-f]{32}$/;
export const MAX_MEMBERS_PER_DELIVERY = 50_000;
const CHANNEL = /^[a-z0-9_-]{1,40}$/;
const ADDRESS_KEY = /^(email|phone|member|device):[0-9a-f]{16,64}$/;

export interface AudienceOptions {
  name: string;
  /** Share of members kept back as the control group, 0 to 0.5. */
  holdout: number;
  /** Marketing channel (consent, caps and quiet days apply at the edge); absent: not a marketing audience. */
  channel?: string;
  /** The edge's audience id (the holdout draw's key); default from the name. */
  audienceId?: string;
}

export interface RiskMember {
  id: string;
  score: number;
  drivers: { feature: string; value: number; contribution: number }[];
  address?: string;
  lastOrderAt?: number;
}

/** The body of POST …/audiences/deliveries (worker-edge/src/audience/audience-request.ts). */
export interface RiskDeliveryRequest {
  name: string;
  source: string;
  audienceId: string;
  payload: 'risk';
  holdout: number;
  channel?: string;
  members: RiskMember[];
}

/** A reason the audience cannot be written or queued; exit code 2 (bad input, refused) or 1 (the edge did not answer). */
export class AudienceError extends Error {
  override name = 'AudienceError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A stable audience id from its name (as the dashboard makes it), so every run of one audience keeps the same holdout. */
export function audienceIdOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'audience';
}

export function checkAudienceOptions(options: AudienceOptions): string | null {
  if (options.name.trim() === '' || options.name.length > 100 || /[\u0000-\u001f\u007f]/.test(options.name)) return `--audience must be a name of 1 to 100 characters without control characters, got "${options.name.slice(0, 120)}"`;
  if (!(options.holdout >= 0 && options.holdout <= MAX_HOLDOUT_SHARE)) return `--holdout must be a share from 0 to ${MAX_HOLDOUT_SHARE}, got ${options.holdout}`;
  if (options.channel !== undefined && !CHANNEL.test(options.channel)) return `--channel must be a channel name (lower-case letters, digits, _ and -: email, sms, push, ...), got "${options.channel}"`;
  return null;
}

/**
 * The delivery requests for the at-risk list, at most 50,000 members each. Every member must be an edge pseudonym
 * (edge Parquet, or NDJSON read with --anonymise-key): raw ids never leave the machine.
 */
export async function riskDeliveryRequests(engine: QueryEngine, list: AtRiskList, task: string, options: AudienceOptions): Promise<RiskDeliveryRequest[]> {
  if (list.members.length === 0) throw new AudienceError(`nobody scored at or above the threshold ${list.threshold} of ${list.scored} persons: no audience to write`);
  const offending = list.members.find((m) => !PSEUDONYM.test(m.person.toLowerCase()));
  if (offending) {
    throw new AudienceError(
      `person "${offending.person.slice(0, 40)}" is not an edge pseudonym (32 hex characters): an audience carries pseudonyms only; score the edge's Parquet export, or NDJSON with --anonymise-key`,
    );
  }
  const facts = options.channel ? await contactFacts(engine, options.channel) : new Map<string, { address: string | null; lastOrderAt: number | null }>();
  const members: RiskMember[] = list.members.map((m) => {
    const fact = facts.get(m.person);
    return {
      id: m.person.toLowerCase(),
      score: m.score,
      drivers: m.drivers.map((d) => ({ feature: d.feature, value: d.value, contribution: d.contribution })),
      ...(fact?.address && ADDRESS_KEY.test(fact.address) ? { address: fact.address } : {}),
      ...(fact?.lastOrderAt != null ? { lastOrderAt: fact.lastOrderAt } : {}),
    };
  });
  const audienceId = options.audienceId ?? audienceIdOf(options.name);
  const requests: RiskDeliveryRequest[] = [];
  for (let i = 0; i < members.length; i += MAX_MEMBERS_PER_DELIVERY) {
    const part = members.length > MAX_MEMBERS_PER_DELIVERY ? ` (part ${i / MAX_MEMBERS_PER_DELIVERY + 1})` : '';
    requests.push({
      name: `${options.name.slice(0, 100 - part.length)}${part}`,
      source: `model:${task}`,
      audienceId,
      payload: 'risk',
      holdout: options.holdout,
      ...(options.channel ? { channel: options.channel } : {}),
      members: members.slice(i, i + MAX_MEMBERS_PER_DELIVERY),
    });
  }
  return requests;
}

export interface EdgeTarget {
  /** Origin without a trailing slash. */
  edge: string;
  site: string;
  token: string;
}

export interface QueuedDelivery {
  deliveryId: string;
  members: number;
  statusUrl: string;
}

/** Queues each request at the edge (202); the edge's alarm posts the batches. Refusals name the edge's reason. */
export async function queueDeliveries(target: EdgeTarget, requests: readonly RiskDeliveryRequest[], fetchFn: typeof fetch = fetch): Promise<QueuedDelivery[]> {
  const queued: QueuedDelivery[] = [];
  for (const request of requests) {
    let res: Response;
    try {
      res = await fetchFn(`${target.edge}/v1/sites/${encodeURIComponent(target.site)}/audiences/deliveries`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
    } catch (error) {
      throw new AudienceError(`the edge at ${target.edge} did not answer (${error instanceof Error ? error.message : String(error)})`, 1, { cause: error });
    }
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // the reason is the text itself
    }
    if (res.status !== 202) throw new AudienceError(`the edge refused the audience "${request.name}": HTTP ${res.status} ${typeof body.error === 'string' ? `${body.error}: ${String(body.message)}` : text.slice(0, 300)}`);
    queued.push({ deliveryId: String(body.deliveryId), members: Number(body.members), statusUrl: `${target.edge}${String(body.statusUrl)}` });
  }
  return queued;
}
