import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { addHealthCounts, createHealthTables, failureReport, pruneHealthCounts, utcDate, type FailureReport, type HealthCounts } from './failure-counts';

/**
 * One per site: the daily counts behind the failure rate (failure-counts.ts). Written by the worker (requests, batched
 * per isolate: request-tally.ts), the ingest buffers (flushes), SiteLifecycle (compactions), SiteAlerts and
 * SiteAudiences (deliveries); read by GET /v1/sites/<site>/failures and the `failure_rate` alert rule.
 */
export class SiteHealth extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.storage.transactionSync(() => createHealthTables(this.#sql));
  }

  /** Adds counts to the UTC day of `at`, or to given days (`byDate`, from the per-isolate request tally). */
  record(counts: HealthCounts, at: number = Date.now()): void {
    this.ctx.storage.transactionSync(() => {
      addHealthCounts(this.#sql, utcDate(at), counts);
      pruneHealthCounts(this.#sql, Date.now());
    });
  }

  recordDays(byDate: Record<string, HealthCounts>): void {
    this.ctx.storage.transactionSync(() => {
      for (const [date, counts] of Object.entries(byDate)) addHealthCounts(this.#sql, date, counts);
    });
  }

  report(days: number, now: number = Date.now(), limitPercent?: number): FailureReport {
    return failureReport(this.#sql, days, now, limitPercent);
  }
}
