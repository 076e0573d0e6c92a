import { DurableObject } from 'cloudflare:workers';
import { countHealth } from '../health/count-health';
import { postWebhook } from '../alerts/webhook-post';
import { retryDelayMs } from '../alerts/webhook-retry';
import { audienceWebhookPolicy, webhookUrlProblem } from '../alerts/webhook-url';
import { loadSitesConfig } from '../config/sites';
import type { Env } from '../env';
import { catalogOf } from '../stubs';
import { marketingPurposes, type ConsentUpdate } from '@privacy-analytics/core/ingest';
import { batchPayload, MAX_BATCH_ATTEMPTS, type AudienceBatchPayload } from './audience-delivery';
import { analyticsWithdrawn, consentOf, consentStateOf, createConsentTables, insertConsent, type ConsentState } from './consent-store';
import { ANALYTICS, type AnalyticsConsentChanges } from './analytics-consent';
import { DAY_MS, memberPayload, selectRecipients, type SuppressionReason } from './contact-policy';
import {
  auditDetails,
  countSelection,
  createDeliveryTables,
  forgetSends,
  policyOf,
  pruneSends,
  recordSends,
  sendsSince,
  describeDeliveries,
  describeDelivery,
  dueDeliveries,
  failDelivery,
  getDelivery,
  insertDelivery,
  markDelivering,
  nextDeliveryDue,
  outcomesToAudit,
  pruneDeliveries,
  recordBatchAttempt,
  requestsToAudit,
  saveBatchBody,
  setOutcomeAuditId,
  setRequestAuditId,
  storedBatch,
  type AudienceDeliveryInfo,
  type DeliveryRow,
  type NewAudienceDelivery,
} from './delivery-store';

/** POSTs per alarm run; a larger delivery goes on in the next run, at once. */
const POSTS_PER_RUN = 25;
/** When an audit entry could not be written, the alarm tries again this much later. */
const AUDIT_RETRY_MS = 30_000;

/**
 * One per site: the queue of audience deliveries to webhooks. A delivery is stored (members in batches of 1,000)
 * when the request is accepted and posted from the alarm, batch after batch, each batch retried with backoff; all
 * state is in SQLite, so a restarted object carries on where it stopped. The audit log gets `audience.deliver`
 * before the first batch leaves and `audience.delivered` or `audience.delivery_failed` when the delivery ends.
 */
export class SiteAudiences extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  /** Runs of the alarm's work never overlap. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Deliveries whose request audit entry enqueue() is writing right now (lost with the instance, as that work is). */
  readonly #auditing = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.storage.transactionSync(() => {
      createDeliveryTables(this.#sql);
      createConsentTables(this.#sql);
    });
  }

  /**
   * Stores consent choices (from ingested calls or the consent API); the next batch built or retried honours them.
   * Answers the `analytics` state of the persons these choices are about (the ingest's gate, analytics-consent.ts).
   */
  recordConsent(updates: ConsentUpdate[]): AnalyticsConsentChanges {
    return this.ctx.storage.transactionSync(() => {
      insertConsent(this.#sql, updates, Date.now());
      const persons = [...new Set(updates.filter((u) => u.purpose === ANALYTICS).map((u) => u.person))];
      const state = consentStateOf(this.#sql, persons, [ANALYTICS]);
      return { withdrawn: persons.filter((p) => state.get(p) === 'withdrawn'), granted: persons.filter((p) => state.get(p) === 'granted') };
    });
  }

  /** Pseudonyms whose latest `analytics` record is a withdrawal (a buffer shard syncs them once). */
  analyticsWithdrawn(): string[] {
    return analyticsWithdrawn(this.#sql);
  }

  /** A person's consent records, newest first, and the current state per purpose. */
  consent(hashedId: string): ReturnType<typeof consentOf> {
    return consentOf(this.#sql, hashedId);
  }

  /** The consent state of `persons` for a marketing channel (`marketing:<channel>` or `marketing`). */
  marketingConsent(persons: string[], channel: string): Record<string, 'granted' | 'withdrawn'> {
    return Object.fromEntries(consentStateOf(this.#sql, persons, marketingPurposes(channel)));
  }

  /** Stores the delivery, writes its `audience.deliver` entry and wakes the alarm; posts nothing itself. */
  async enqueue(delivery: NewAudienceDelivery): Promise<AudienceDeliveryInfo> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => insertDelivery(this.#sql, delivery, now));
    this.#auditing.add(delivery.deliveryId);
    try {
      await this.#auditRequest(getDelivery(this.#sql, delivery.deliveryId)!);
    } catch (error) {
      // The alarm writes it before the first batch leaves.
      console.warn(`audience delivery ${delivery.deliveryId}: audit entry not written yet`, error);
    } finally {
      this.#auditing.delete(delivery.deliveryId);
    }
    await this.#wakeBy(now);
    return describeDelivery(getDelivery(this.#sql, delivery.deliveryId)!);
  }

  delivery(id: string): AudienceDeliveryInfo | null {
    const row = getDelivery(this.#sql, id);
    return row ? describeDelivery(row) : null;
  }

  /** The deliveries among `ids` this object still holds (the newest 1,000 finished ones, and every unfinished one). */
  deliveries(ids: string[]): AudienceDeliveryInfo[] {
    return describeDeliveries(this.#sql, ids);
  }

  /** Posts every batch due now (the alarm; tests call it with a simulated clock). Returns the number of POSTs made. */
  deliverDue(): Promise<number> {
    return this.#serially(() => this.#deliverDue());
  }

  override async alarm(): Promise<void> {
    await this.deliverDue();
  }

  async #deliverDue(): Promise<number> {
    let auditsPending = await this.#writePendingAudits();
    let posts = 0;
    for (const delivery of dueDeliveries(this.#sql, Date.now(), POSTS_PER_RUN)) {
      if (posts >= POSTS_PER_RUN) break;
      try {
        posts += await this.#deliver(delivery, POSTS_PER_RUN - posts);
      } catch (error) {
        // Not a webhook failure (postWebhook never throws): a delivery that breaks this code must not block the queue.
        console.error(`audience delivery ${delivery.id} of site ${delivery.site} stopped by an error`, error);
        const current = getDelivery(this.#sql, delivery.id) ?? delivery;
        this.ctx.storage.transactionSync(() => failDelivery(this.#sql, current, 'internal error at the edge; see the worker logs', Date.now()));
      }
    }
    auditsPending = (await this.#writePendingAudits()) || auditsPending;
    this.ctx.storage.transactionSync(() => {
      pruneDeliveries(this.#sql);
      pruneSends(this.#sql, Date.now());
    });
    const due = nextDeliveryDue(this.#sql);
    const wake = auditsPending ? Math.min(due ?? Infinity, Date.now() + AUDIT_RETRY_MS) : due;
    if (wake === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(wake);
    return posts;
  }

  /** Posts the delivery's batches in order until one fails, the delivery ends or `budget` POSTs were made. */
  async #deliver(initial: DeliveryRow, budget: number): Promise<number> {
    let delivery = initial;
    const config = loadSitesConfig(this.env).sites.get(delivery.site);
    // The operator may have withdrawn the destination or the secret since the request was accepted.
    const problem = !config
      ? `site "${delivery.site}" is no longer configured`
      : !config.webhookSecret
        ? `site "${delivery.site}" has no webhookSecret in SITE_SECRETS any more; audience deliveries are only sent signed`
        : webhookUrlProblem(delivery.url, audienceWebhookPolicy(this.env, config));
    if (problem) {
      const failed = this.ctx.storage.transactionSync(() => failDelivery(this.#sql, delivery, `webhook not allowed: ${problem}`, Date.now()));
      this.#log(failed, null);
      return 0;
    }
    this.ctx.storage.transactionSync(() => markDelivering(this.#sql, delivery.id));
    let posts = 0;
    // Read once per run, and only when a batch is built for the first time.
    let erased: Promise<Set<string>> | null = null;
    const erasedIds = () => (erased ??= catalogOf(this.env, delivery.site).erasedIds().then((ids) => new Set(ids)));
    while (posts < budget) {
      const index = delivery.batches_delivered;
      const { body, size } = await this.#batchBody(delivery, index, erasedIds);
      const result = await postWebhook({ url: delivery.url, body, id: `${delivery.id}-${index}`, event: 'audience.batch', secret: config!.webhookSecret });
      posts++;
      const at = Date.now();
      const attemptsOnBatch = delivery.batch_attempts + 1;
      const retryAt = !result.ok && result.retryable && attemptsOnBatch < MAX_BATCH_ATTEMPTS ? at + retryDelayMs(attemptsOnBatch, result.retryAfterMs) : null;
      const before = delivery;
      delivery = this.ctx.storage.transactionSync(() => recordBatchAttempt(this.#sql, before, result, size, at, retryAt));
      // One line per failed attempt and one at the end, not one per batch that arrived.
      if (!result.ok || delivery.state !== 'delivering') this.#log(delivery, result.ok ? null : result.error);
      if (delivery.state !== 'delivering' || (delivery.next_attempt_at ?? Infinity) > at) break;
    }
    return posts;
  }

  /**
   * The batch's body: built and stored at its first POST, the same bytes on every retry. Built from the members not held
   * out and not suppressed (erased, no marketing consent for the channel, quiet days after an order, frequency cap),
   * each sent member counted against the cap at once. Before a retry, members who were erased or withdrew consent since
   * are taken out (the receiver has not accepted the batch yet), so a withdrawal holds from the moment it is recorded.
   */
  async #batchBody(delivery: DeliveryRow, index: number, erasedIds: () => Promise<Set<string>>): Promise<{ body: string; size: number }> {
    const stored = storedBatch(this.#sql, delivery.id, index);
    const policy = policyOf(delivery);
    const erased = await erasedIds();
    const consentOfIds = (ids: string[]): ConsentState => (policy.channel === null ? new Map() : consentStateOf(this.#sql, ids, marketingPurposes(policy.channel)));
    if (stored.body !== null) {
      const payload = JSON.parse(stored.body) as AudienceBatchPayload;
      return this.ctx.storage.transactionSync(() => {
        const consent = consentOfIds(payload.members.map((m) => m.id));
        const gone: Partial<Record<SuppressionReason, number>> = {};
        const kept = payload.members.filter((m) => {
          const reason: SuppressionReason | null = erased.has(m.id) ? 'erased' : policy.channel === null ? null : consent.get(m.id) === 'granted' ? null : consent.has(m.id) ? 'consent_withdrawn' : 'no_consent';
          if (reason !== null) gone[reason] = (gone[reason] ?? 0) + 1;
          return reason === null;
        });
        if (kept.length === payload.members.length) return { body: stored.body!, size: stored.size };
        const body = JSON.stringify({ ...payload, batch: { ...payload.batch, size: kept.length }, members: kept });
        saveBatchBody(this.#sql, delivery.id, index, body, kept.length);
        const keptIds = new Set(kept.map((m) => m.id));
        forgetSends(this.#sql, payload.members.filter((m) => !keptIds.has(m.id)).map((m) => m.id), delivery.id);
        countSelection(this.#sql, delivery.id, 0, gone);
        return { body, size: kept.length };
      });
    }
    return this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const ids = stored.members.map((m) => m.id);
      const sentInWindow = policy.channel !== null && policy.frequencyCap ? sendsSince(this.#sql, ids, policy.channel, now - policy.frequencyCap.windowDays * DAY_MS) : new Map<string, number>();
      const selection = selectRecipients(stored.members, policy, { erased, consent: consentOfIds(ids), sentInWindow, now });
      const facts = { deliveryId: delivery.id, site: delivery.site, name: delivery.name, source: delivery.source, size: delivery.members, batches: delivery.batches, policy, payload: describeDelivery(delivery).payload };
      const body = JSON.stringify(batchPayload(facts, index, selection.recipients.map(memberPayload), now));
      saveBatchBody(this.#sql, delivery.id, index, body, selection.recipients.length);
      if (policy.channel !== null) recordSends(this.#sql, selection.recipients.map((m) => m.id), policy.channel, now, delivery.id);
      countSelection(this.#sql, delivery.id, selection.heldOut.length, selection.suppressed);
      return { body, size: selection.recipients.length };
    });
  }

  /** Writes the audit entries not written yet; true when some still are not (the catalog did not answer). */
  async #writePendingAudits(): Promise<boolean> {
    let pending = false;
    for (const delivery of requestsToAudit(this.#sql)) {
      if (this.#auditing.has(delivery.id)) continue;
      pending = !(await this.#tryAudit(() => this.#auditRequest(delivery))) || pending;
    }
    for (const delivery of outcomesToAudit(this.#sql)) {
      pending = !(await this.#tryAudit(() => this.#auditOutcome(delivery))) || pending;
    }
    return pending;
  }

  async #auditRequest(delivery: DeliveryRow): Promise<void> {
    const auditId = await catalogOf(this.env, delivery.site).appendAudit({ action: 'audience.deliver', actor: delivery.requested_by, details: auditDetails(delivery, false) });
    setRequestAuditId(this.#sql, delivery.id, auditId);
  }

  async #auditOutcome(delivery: DeliveryRow): Promise<void> {
    const action = delivery.state === 'delivered' ? 'audience.delivered' : 'audience.delivery_failed';
    const auditId = await catalogOf(this.env, delivery.site).appendAudit({ action, actor: delivery.requested_by, details: auditDetails(delivery, true) });
    setOutcomeAuditId(this.#sql, delivery.id, auditId);
    await countHealth(this.env, delivery.site, { deliveries: 1, deliveries_gave_up: delivery.state === 'delivered' ? 0 : 1 });
  }

  async #tryAudit(write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      console.error('audience delivery: audit entry not written; retrying later', error);
      return false;
    }
  }

  /** Makes sure the alarm runs by `at`. */
  async #wakeBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  #log(delivery: DeliveryRow, error: string | null): void {
    const line = JSON.stringify({
      audienceDelivery: delivery.state,
      site: delivery.site,
      deliveryId: delivery.id,
      batchesDelivered: delivery.batches_delivered,
      batches: delivery.batches,
      attempts: delivery.attempts,
      httpStatus: delivery.last_status,
      error,
      retryAt: delivery.state === 'delivering' && delivery.next_attempt_at !== null ? new Date(delivery.next_attempt_at).toISOString() : null,
    });
    if (error === null && delivery.state !== 'failed') console.log(line);
    else console.warn(line);
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
