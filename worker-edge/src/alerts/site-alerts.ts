import { DurableObject } from 'cloudflare:workers';
import { BUCKET_MS, type TimeWindow } from '../buffer/counters';
import { loadSitesConfig } from '../config/sites';
import type { Env } from '../env';
import { toHex } from '@privacy-analytics/core/privacy';
import { adAlertMessage, alertMessage, alertPayload, type AlertFacts } from './alert-payload';
import { MAX_RULES_PER_SITE, type AlertRule, type AlertRuleInput } from './alert-rule';
import {
  countRules,
  createAlertTables,
  deleteRule,
  describeRule,
  dueDeliveries,
  getMeta,
  INITIAL_STATE,
  insertAlert,
  insertRule,
  listAlerts,
  listRules,
  markAlertSeen,
  nextDeliveryDue,
  pruneAlerts,
  recordAttempt,
  resolveAlert,
  ruleState,
  saveRuleSpec,
  saveRuleState,
  setMeta,
  type AlertEvent,
  type AlertQuery,
  type RuleState,
} from './alert-store';
import { readRuleWindows } from './metric-windows';
import { adDayVersion, adDayWindow, adMetricValue, adTotalsOf, createAdTotalsTable, isAdMetric, latestAdDay, recordAdTotals, removeAdTotals } from './ad-report-totals';
import { parseAdFilter } from './alert-rule';
import type { AdSpendRow } from '@privacy-analytics/core/imports';
import { assess, assessRate, baselineWindows, type Assessment, type Outcome } from './seasonal-baseline';
import { assessFailureRate, currentFailureRate, DEFAULT_FAILURE_RATE_LIMIT_PERCENT, DEFAULT_FAILURE_RATE_MIN_OPERATIONS, FAILURE_RATE_METRIC, failureRateMessage, type FailureRateNow } from './failure-rate-rule';
import { countHealth } from '../health/count-health';
import { assessFlushLag, currentFlushLagSeconds, DEFAULT_FLUSH_LAG_LIMIT_SECONDS, FLUSH_LAG_METRIC, flushLagMessage } from './flush-lag-rule';
import { postWebhook, type WebhookAttempt } from './webhook-post';
import { retryDelayMs } from './webhook-retry';
import { alertWebhookPolicy, webhookUrlProblem } from './webhook-url';

/** Evaluations without the anomaly that end an episode (and re-arm the rule). */
export const RECOVERY_EVALUATIONS = 2;
/** Attempts per alert delivery: the first at once, then after 30 s, 1, 2, 4, 8, 16 and 32 minutes. */
export const MAX_DELIVERY_ATTEMPTS = 8;
const DELIVERIES_PER_RUN = 20;

export interface RuleEvaluation {
  ruleId: string;
  window: { from: string; to: string };
  outcome: Outcome | 'already_evaluated' | 'error';
  value: number | null;
  median: number | null;
  /** Id of the alert this evaluation fired (start of an episode). */
  fired: number | null;
  /** Id of the alert whose episode this evaluation ended. */
  resolved: number | null;
  /** The rule was muted: an anomaly was seen (or not) but nothing fired. */
  muted?: boolean;
}

export type RuleInfo = ReturnType<typeof describeRule>;

export interface RuleTest {
  ruleId: string;
  window: { from: string; to: string };
  outcome: Outcome;
  /** Whether this window would start an episode (muting aside). */
  wouldFire: boolean;
  muted: boolean;
  assessment: Assessment;
  /** The alert's message had it fired. */
  message: string | null;
  webhook: { ok: boolean; status: number | null; error: string | null; durationMs: number } | null;
}

export function isMuted(rule: Pick<AlertRule, 'mutedUntil'>, now: number): boolean {
  return typeof rule.mutedUntil === 'string' && Date.parse(rule.mutedUntil) > now;
}

/**
 * One per site: its alert rules, the state of each rule's anomaly episode, the alerts fired and
 * their webhook deliveries. The cron trigger calls evaluate() every 5 minutes; an alert is posted
 * at once and retried with backoff from the alarm (and from the next evaluation) until delivered.
 */
export class SiteAlerts extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  /** evaluate() and deliverDue() await I/O; they run strictly one after another. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.storage.transactionSync(() => {
      createAlertTables(this.#sql);
      createAdTotalsTable(this.#sql);
    });
  }

  createRule(site: string, input: AlertRuleInput, createdBy: string): { rule: RuleInfo } | { error: 'too_many_rules'; count: number } {
    return this.ctx.storage.transactionSync(() => {
      setMeta(this.#sql, 'site', site);
      const count = countRules(this.#sql);
      if (count >= MAX_RULES_PER_SITE) return { error: 'too_many_rules' as const, count };
      const rule: AlertRule = { id: toHex(crypto.getRandomValues(new Uint8Array(8))), ...input, createdAt: new Date().toISOString(), createdBy };
      insertRule(this.#sql, rule);
      return { rule: describeRule(rule, INITIAL_STATE) };
    });
  }

  listRules(): RuleInfo[] {
    return listRules(this.#sql).map(({ rule, state }) => describeRule(rule, state));
  }

  /** Replaces a rule's definition (same id, creator and mute); an open episode ends, the rule re-arms. */
  updateRule(id: string, input: AlertRuleInput, updatedBy: string, now: number = Date.now()): RuleInfo | null {
    return this.ctx.storage.transactionSync(() => {
      const found = listRules(this.#sql).find((r) => r.rule.id === id);
      if (!found) return null;
      const rule: AlertRule = { ...input, id, createdAt: found.rule.createdAt, createdBy: found.rule.createdBy, mutedUntil: found.rule.mutedUntil ?? null, updatedAt: new Date(now).toISOString(), updatedBy };
      if (found.state.openAlertId !== null) resolveAlert(this.#sql, found.state.openAlertId, now);
      const state: RuleState = { ...INITIAL_STATE, lastWindowEnd: found.state.lastWindowEnd };
      saveRuleSpec(this.#sql, rule, state);
      return describeRule(rule, state);
    });
  }

  /** Mutes a rule until a time (ISO), or unmutes it (null). */
  muteRule(id: string, until: string | null, by: string, now: number = Date.now()): RuleInfo | null {
    return this.ctx.storage.transactionSync(() => {
      const found = listRules(this.#sql).find((r) => r.rule.id === id);
      if (!found) return null;
      const rule: AlertRule = { ...found.rule, mutedUntil: until, updatedAt: new Date(now).toISOString(), updatedBy: by };
      saveRuleSpec(this.#sql, rule, found.state);
      return describeRule(rule, found.state);
    });
  }

  deleteRule(id: string): AlertRule | null {
    return this.ctx.storage.transactionSync(() => deleteRule(this.#sql, id));
  }

  listAlerts(query: AlertQuery): AlertEvent[] {
    return listAlerts(this.#sql, query);
  }

  /**
   * Evaluates every rule on the last complete 5-minute-aligned window before `now` (ad-metric rules: on the latest
   * imported day, when its imports changed since the last evaluation), then delivers what is due.
   */
  evaluate(site: string, now: number = Date.now(), only?: (rule: AlertRule) => boolean): Promise<RuleEvaluation[]> {
    return this.#serially(async () => {
      if (getMeta(this.#sql, 'site') !== site) setMeta(this.#sql, 'site', site);
      const results: RuleEvaluation[] = [];
      for (const { rule, state } of listRules(this.#sql)) {
        if (only && !only(rule)) continue;
        try {
          results.push(await this.#evaluateRule(site, rule, state, now));
        } catch (error) {
          console.error(`alert rule ${rule.id} of site ${site}: evaluation failed`, error);
          results.push({ ruleId: rule.id, window: isoWindow(currentWindow(rule, now)), outcome: 'error', value: null, median: null, fired: null, resolved: null });
        }
      }
      pruneAlerts(this.#sql);
      await this.#deliverDue(now);
      return results;
    });
  }

  /**
   * An ad-report import landed (import-routes.ts): its daily totals are recorded and the ad-metric rules judge the
   * latest imported day at once, so a breaching report alerts when it is imported, not at the next cron.
   */
  async recordAdReport(site: string, importId: string, rows: Pick<AdSpendRow, 'date' | 'platform' | 'campaign' | 'impressions' | 'clicks' | 'spend'>[], now: number = Date.now()): Promise<RuleEvaluation[]> {
    this.ctx.storage.transactionSync(() => recordAdTotals(this.#sql, importId, rows));
    return this.evaluate(site, now, (rule) => isAdMetric(rule.metric));
  }

  /** A withdrawn ad-report import: its totals leave the baselines (nothing is re-judged until the next import). */
  removeAdReport(importId: string): number {
    return this.ctx.storage.transactionSync(() => removeAdTotals(this.#sql, importId));
  }

  /** Posts every delivery due by `now` (tests pass a simulated time; the alarm passes the clock). */
  deliverDue(now: number = Date.now()): Promise<number> {
    return this.#serially(() => this.#deliverDue(now));
  }

  override async alarm(): Promise<void> {
    await this.deliverDue(Date.now());
  }

  async #evaluateRule(site: string, rule: AlertRule, initialState: RuleState, now: number): Promise<RuleEvaluation> {
    const adDay = isAdMetric(rule.metric) ? latestAdDay(this.#sql) : null;
    const window = adDay !== null ? adDayWindow(adDay) : currentWindow(rule, now);
    const unchanged = { ruleId: rule.id, window: isoWindow(window), fired: null, resolved: null };
    const dataVersion = adDay !== null ? adDayVersion(this.#sql, adDay) : undefined;
    if (isAdMetric(rule.metric) && adDay === null) return { ...unchanged, outcome: 'insufficient_baseline', value: null, median: null };
    const seen = initialState.lastWindowEnd !== null && (initialState.lastWindowEnd > window.to || (initialState.lastWindowEnd === window.to && initialState.lastDataVersion === dataVersion));
    if (seen) return { ...unchanged, outcome: 'already_evaluated', value: null, median: null };
    const { value, assessment, known, failureRate } = await this.#assess(site, rule, window, now);
    const muted = isMuted(rule, now);
    // A muted rule is still evaluated (its state and last assessment stay current) but starts no episode.
    const anomaly = !muted && (assessment.outcome === 'drop' || assessment.outcome === 'spike') ? assessment.outcome : null;

    const { fired, resolved } = this.ctx.storage.transactionSync(() => {
      // Re-read: the rule may have been deleted while its counters were being read.
      const state = ruleState(this.#sql, rule.id);
      if (!state) return { fired: null, resolved: null };
      const next: RuleState = { ...state, lastWindowEnd: window.to, lastAssessment: assessment, ...(dataVersion === undefined ? {} : { lastDataVersion: dataVersion }) };
      let fired: number | null = null;
      let resolved: number | null = null;
      const openDirection = state.openAlertId === null ? null : this.#alertDirection(state.openAlertId);
      if (anomaly && state.status === 'alerting' && openDirection === anomaly) {
        markAlertSeen(this.#sql, state.openAlertId!, now);
        next.normalStreak = 0;
      } else if (anomaly) {
        if (state.status === 'alerting' && state.openAlertId !== null) {
          resolveAlert(this.#sql, state.openAlertId, now);
          resolved = state.openAlertId;
        }
        const facts: AlertFacts = { site, rule, direction: anomaly, window, assessment, baselineWindows: known.map((k) => k.window), firedAt: now };
        const message = ruleMessage(facts, value, failureRate);
        fired = insertAlert(this.#sql, { rule, direction: anomaly, windowFrom: window.from, windowTo: window.to, assessment, message, firedAt: now }, (id) =>
          JSON.stringify(alertPayload(id, facts, message)),
        );
        Object.assign(next, { status: 'alerting', openAlertId: fired, normalStreak: 0 });
      } else if (state.status === 'alerting' && assessment.outcome !== 'insufficient_baseline' && !muted) {
        next.normalStreak = state.normalStreak + 1;
        if (next.normalStreak >= RECOVERY_EVALUATIONS) {
          if (state.openAlertId !== null) resolveAlert(this.#sql, state.openAlertId, now);
          resolved = state.openAlertId;
          Object.assign(next, { status: 'ok', openAlertId: null, normalStreak: 0 });
        }
      }
      saveRuleState(this.#sql, rule.id, next);
      return { fired, resolved };
    });
    if (fired !== null) console.log(JSON.stringify({ alert: 'fired', site, rule: rule.id, alertId: fired, direction: anomaly, window: isoWindow(window), value, median: assessment.median }));
    return { ...unchanged, outcome: assessment.outcome, value, median: assessment.median, fired, resolved, ...(muted ? { muted: true } : {}) };
  }

  /** The rule's metric over `window` judged against its baseline (or limit); reads only, changes nothing. */
  async #assess(site: string, rule: AlertRule, window: TimeWindow, now: number) {
    let value: number;
    let assessment: Assessment;
    let known: { window: TimeWindow; value: number }[] = [];
    let failureRate: FailureRateNow | null = null;
    if (rule.metric === FAILURE_RATE_METRIC) {
      failureRate = await currentFailureRate(this.env, site, now);
      value = failureRate.ratePercent;
      assessment = assessFailureRate(failureRate, rule.limitPercent ?? DEFAULT_FAILURE_RATE_LIMIT_PERCENT, rule.minOperations ?? DEFAULT_FAILURE_RATE_MIN_OPERATIONS);
    } else if (rule.metric === FLUSH_LAG_METRIC) {
      value = await currentFlushLagSeconds(this.env, site, now);
      assessment = assessFlushLag(value, rule.limitSeconds ?? DEFAULT_FLUSH_LAG_LIMIT_SECONDS);
    } else if (isAdMetric(rule.metric)) {
      const metric = rule.metric;
      const comparisons = baselineWindows(window, rule.baseline);
      const [current, ...baseline] = adTotalsOf(this.#sql, [window, ...comparisons], parseAdFilter(rule.filter));
      const zero = { impressions: 0, clicks: 0, spend: 0, pairedImpressions: 0, pairedClicks: 0 };
      value = adMetricValue(metric, current ?? zero);
      // A day no import reported is unknown, not zero.
      const reported = comparisons.flatMap((w, i) => (baseline[i] ? [{ window: w, totals: baseline[i]! }] : []));
      known = reported.map((r) => ({ window: r.window, value: adMetricValue(metric, r.totals) }));
      if (metric === 'ctr') {
        const part = (t: typeof zero) => ({ conversions: t.pairedClicks, visits: t.pairedImpressions });
        assessment = assessRate(part(current ?? zero), reported.map((r) => part(r.totals)), rule.direction, rule.threshold);
        known = known.filter((_, i) => reported[i]!.totals.pairedImpressions > 0);
      } else {
        assessment = assess(value, known.map((k) => k.value), rule.direction, rule.threshold);
      }
    } else {
      const comparisons = baselineWindows(window, rule.baseline);
      const { values, parts, oldestDataAt } = await readRuleWindows(this.env, site, rule, [window, ...comparisons]);
      const [current, ...baselineValues] = values as [number, ...number[]];
      value = current;
      // A comparison window from before the site sent anything is unknown, not zero.
      const isKnown = (w: TimeWindow) => oldestDataAt !== null && w.from >= oldestDataAt;
      known = comparisons.flatMap((w, i) => (isKnown(w) ? [{ window: w, value: baselineValues[i]! }] : []));
      assessment = parts
        ? assessRate(parts[0]!, comparisons.flatMap((w, i) => (isKnown(w) ? [parts[i + 1]!] : [])), rule.direction, rule.threshold)
        : assess(value, known.map((k) => k.value), rule.direction, rule.threshold);
      if (parts) known = known.filter((_, i) => parts[i + 1]!.visits > 0 || !isKnown(comparisons[i]!));
    }
    return { value, assessment, known, failureRate };
  }

  /**
   * "Test" in the dashboard: evaluates the rule now on its last complete window without recording anything, and
   * with `webhook` posts a signed `alert.test` message (the alert's payload shape, type "alert.test") to its URL.
   */
  testRule(site: string, id: string, webhook: boolean, now: number = Date.now()): Promise<RuleTest | null> {
    return this.#serially(async () => {
      const found = listRules(this.#sql).find((r) => r.rule.id === id);
      if (!found) return null;
      const { rule } = found;
      const adDay = isAdMetric(rule.metric) ? latestAdDay(this.#sql) : null;
      const window = adDay !== null ? adDayWindow(adDay) : currentWindow(rule, now);
      const { value, assessment, known, failureRate } = await this.#assess(site, rule, window, now);
      const direction = assessment.outcome === 'spike' ? 'spike' : 'drop';
      const facts: AlertFacts = { site, rule, direction, window, assessment, baselineWindows: known.map((k) => k.window), firedAt: now };
      const message = ruleMessage(facts, value, failureRate);
      const wouldFire = assessment.outcome === 'drop' || assessment.outcome === 'spike';
      const result: RuleTest = { ruleId: rule.id, window: isoWindow(window), outcome: assessment.outcome, wouldFire, muted: isMuted(rule, now), assessment, message: wouldFire ? message : null, webhook: null };
      if (webhook) {
        const config = loadSitesConfig(this.env).sites.get(site);
        const problem = config ? webhookUrlProblem(rule.webhookUrl, alertWebhookPolicy(this.env, config)) : `site "${site}" is not configured`;
        const payload = { ...alertPayload(0, facts, `[test] ${message}`), type: 'alert.test' as const, test: true, outcome: assessment.outcome };
        const attempt: WebhookAttempt = problem
          ? { ok: false, retryable: false, status: null, error: `webhook not allowed: ${problem}`, durationMs: 0, retryAfterMs: null }
          : await postWebhook({ url: rule.webhookUrl, body: JSON.stringify(payload), id: `alert-test-${site}-${rule.id}-${now}`, event: 'alert.test', secret: config?.webhookSecret });
        result.webhook = { ok: attempt.ok, status: attempt.status, error: attempt.error, durationMs: attempt.durationMs };
      }
      return result;
    });
  }

  async #deliverDue(now: number): Promise<number> {
    const site = getMeta(this.#sql, 'site');
    const config = site === null ? undefined : loadSitesConfig(this.env).sites.get(site);
    let attempted = 0;
    for (const delivery of dueDeliveries(this.#sql, now, DELIVERIES_PER_RUN)) {
      // The site's allow-list may have been tightened since the rule was created.
      const problem = config ? webhookUrlProblem(delivery.url, alertWebhookPolicy(this.env, config)) : `site "${site}" is no longer configured`;
      const result: WebhookAttempt = problem
        ? { ok: false, retryable: false, status: null, error: `webhook not allowed: ${problem}`, durationMs: 0, retryAfterMs: null }
        : await postWebhook({ url: delivery.url, body: delivery.payload, id: `alert-${site}-${delivery.alertId}`, event: 'alert.fired', secret: config?.webhookSecret });
      const attemptsMade = delivery.attempts + 1;
      const retryAt = !result.ok && result.retryable && attemptsMade < MAX_DELIVERY_ATTEMPTS ? now + retryDelayMs(attemptsMade, result.retryAfterMs) : null;
      const status = recordAttempt(this.#sql, delivery, result, now, retryAt);
      attempted++;
      if (status !== 'pending' && site !== null) await countHealth(this.env, site, { deliveries: 1, deliveries_gave_up: status === 'failed' ? 1 : 0 }, now);
      const log = { delivery: status, site, alertId: delivery.alertId, attempt: attemptsMade, httpStatus: result.status, error: result.error, retryAt: retryAt === null ? null : new Date(retryAt).toISOString() };
      if (result.ok) console.log(JSON.stringify(log));
      else console.warn(JSON.stringify(log));
    }
    const due = nextDeliveryDue(this.#sql);
    if (due === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(due);
    return attempted;
  }

  #alertDirection(alertId: number): string | null {
    return this.#sql.exec<{ direction: string }>(`SELECT direction FROM alert_events WHERE id = ?`, alertId).toArray()[0]?.direction ?? null;
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** The last complete window of the rule's length ending on a 5-minute boundary at or before `now`. */
export function currentWindow(rule: Pick<AlertRule, 'windowMinutes'>, now: number): TimeWindow {
  const to = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  return { from: to - rule.windowMinutes * 60_000, to };
}

function isoWindow(window: TimeWindow): { from: string; to: string } {
  return { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() };
}

/** The alert's sentence for the kind of rule: flush lag, failure rate, an ad-report metric or a traffic metric. */
function ruleMessage(facts: AlertFacts, value: number, failureRate: Parameters<typeof failureRateMessage>[2] | null | undefined): string {
  const { site, rule, assessment } = facts;
  if (rule.metric === FLUSH_LAG_METRIC) return flushLagMessage(site, rule.name, value, assessment.upper ?? 0);
  if (failureRate) return failureRateMessage(site, rule.name, failureRate, assessment.upper ?? 0);
  return isAdMetric(rule.metric) ? adAlertMessage(facts) : alertMessage(facts);
}
