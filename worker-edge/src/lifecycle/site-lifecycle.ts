import { DurableObject } from 'cloudflare:workers';
import { countHealth } from '../health/count-health';
import type { Env } from '../env';
import { toHex } from '@privacy-analytics/core/privacy';
import { createCompactionTables, runCompactionStep } from './compaction-job';
import { DEFAULT_COMPACTION, type CompactionOptions } from './compaction-plan';
import { createDeferredDeleteTables, deleteDueObjects, isKeptForReaders, nextDeleteDue } from './deferred-deletes';
import { erasureRetryAt, requestBackupRun, runErasureStep } from './erasure-job';
import {
  activeErasure,
  createErasureTables,
  deleteErasure,
  erasureById,
  insertErasure,
  listErasures,
  toErasureStatus,
  unfinishedErasureWithSeeds,
  updateErasure,
  type ErasureRow,
  type ErasureStatus,
} from './erasure-store';
import { type JobContext, type StepOutcome } from './job-context';
import type { ErasureRecord } from '../backup/catalog-state';
import { runRetentionStep } from './retention-job';
import { catalogOf } from '../stubs';

type WorkKind = 'retention' | 'compaction';

/** Wall time one alarm spends on steps before yielding (and rescheduling itself). */
const ALARM_BUDGET_MS = 15_000;

export interface ErasureRequestInput {
  site: string;
  seeds: readonly string[];
  via: ErasureStatus['via'];
  requestedBy: string;
  /** Run even when the expansion is large (over ERASURE_CONFIRM_ABOVE_IDS ids); confirms a request awaiting it. */
  confirm: boolean;
}

export interface DrainOptions {
  /** Pretend it is this time (tests: past the compaction grace period). */
  now?: number;
  maxSteps?: number;
  compaction?: CompactionOptions;
}

/**
 * One per site: runs the heavy lifecycle work (erasure, retention, compaction, deferred deletes)
 * in alarm-driven bounded steps, with all progress in its own SQLite storage so it resumes after
 * a restart. Kept apart from SiteState so Parquet rewriting never stalls manifest reads.
 * Only one job runs at a time; an erasure in progress holds back compaction.
 */
export class SiteLifecycle extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  #clockOverride: number | null = null;
  #compaction: CompactionOptions = DEFAULT_COMPACTION;
  /** Steps await I/O, and an alarm may arrive meanwhile; steps run strictly one after another. */
  #stepQueue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.storage.transactionSync(() => {
      this.#sql.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS pending_work (kind TEXT PRIMARY KEY, since INTEGER NOT NULL);
      `);
      createErasureTables(this.#sql);
      createDeferredDeleteTables(this.#sql);
      createCompactionTables(this.#sql);
    });
  }

  /** Called by the cron trigger: check retention and compaction soon. */
  async tick(site: string): Promise<void> {
    this.#setSite(site);
    const now = Date.now();
    for (const kind of ['retention', 'compaction'] satisfies WorkKind[]) {
      this.#sql.exec(`INSERT OR IGNORE INTO pending_work (kind, since) VALUES (?, ?)`, kind, now);
    }
    await this.#scheduleNext();
  }

  async requestErasure(input: ErasureRequestInput): Promise<{ erasure: ErasureStatus; created: boolean }> {
    this.#setSite(input.site);
    const seeds = [...new Set(input.seeds)].sort();
    const existing = unfinishedErasureWithSeeds(this.#sql, seeds);
    if (existing) {
      if (input.confirm && !existing.confirmed) await this.#confirm(input.site, existing, input.requestedBy);
      return { erasure: toErasureStatus(this.#sql, erasureById(this.#sql, existing.id)!), created: false };
    }
    const id = toHex(crypto.getRandomValues(new Uint8Array(8)));
    const now = Date.now();
    insertErasure(this.#sql, { id, seeds, via: input.via, requestedBy: input.requestedBy, now, confirmed: input.confirm });
    try {
      await catalogOf(this.env, input.site).appendAudit({
        action: 'erasure.request',
        actor: input.requestedBy,
        details: { requestId: id, hashedIds: seeds, via: input.via, confirmed: input.confirm },
      });
    } catch (cause) {
      deleteErasure(this.#sql, id);
      throw new Error(`erasure request ${id}: could not write the audit entry`, { cause });
    }
    if (seeds.length === 0) {
      // Cookieless site with no live salt: no stored row can be tied to this user id any more.
      updateErasure(this.#sql, id, { status: 'done', phase: 'done', started_at: now, finished_at: now });
      await catalogOf(this.env, input.site).appendAudit({ action: 'erasure.done', actor: 'system', details: { requestId: id, hashedIds: [], rowsRemoved: 0, note: 'no live salt' } });
    }
    await this.#scheduleNext();
    return { erasure: toErasureStatus(this.#sql, erasureById(this.#sql, id)!), created: true };
  }

  /** A request awaiting confirmation starts again from its block phase (a fresh flush and snapshot), in its turn. */
  async #confirm(site: string, erasure: ErasureRow, by: string): Promise<void> {
    const status = toErasureStatus(this.#sql, erasure);
    await catalogOf(this.env, site).appendAudit({
      action: 'erasure.confirm',
      actor: by,
      details: { requestId: erasure.id, hashedIds: status.hashedIds, ids: status.linkedIds, awaiting: erasure.status === 'awaiting_confirmation' },
    });
    if (erasure.status === 'awaiting_confirmation') updateErasure(this.#sql, erasure.id, { confirmed: 1, status: 'pending', phase: 'block' });
    else updateErasure(this.#sql, erasure.id, { confirmed: 1 });
    await this.#scheduleNext();
  }

  erasureStatus(id: string): ErasureStatus | null {
    const row = erasureById(this.#sql, id);
    return row ? toErasureStatus(this.#sql, row) : null;
  }

  listErasures(limit: number): ErasureStatus[] {
    return listErasures(this.#sql, limit).map((row) => toErasureStatus(this.#sql, row));
  }

  /** The latest end of a finished erasure (0: none): backups taken before it are dropped (backup/backup-job.ts). */
  erasureMark(): number {
    return this.#sql.exec<{ t: number | null }>(`SELECT MAX(finished_at) AS t FROM erasures WHERE status = 'done'`).one().t ?? 0;
  }

  /** Erasure records for a snapshot: finished requests as stored, unfinished ones by their seeds (requested again on restore). */
  erasureRecords(): ErasureRecord[] {
    return this.#sql.exec<ErasureRow>(`SELECT * FROM erasures ORDER BY requested_at, id`).toArray().map((row) => {
      const finished = row.status === 'done' || row.status === 'failed';
      return {
        id: row.id,
        seeds: JSON.parse(row.seeds) as string[],
        via: row.via as ErasureRecord['via'],
        status: row.status,
        requestedBy: row.requested_by,
        requestedAt: row.requested_at,
        finishedAt: row.finished_at,
        row: finished ? ({ ...row } as ErasureRecord['row']) : null,
        ids: finished ? this.#sql.exec<Record<string, SqlStorageValue>>(`SELECT * FROM erasure_ids WHERE request_id = ?`, row.id).toArray() as ErasureRecord['ids'] : [],
      };
    });
  }

  /** Restores finished erasure records as they were; unfinished ones are requested again (and run from the start). */
  async restoreErasureRecords(site: string, records: readonly ErasureRecord[]): Promise<number> {
    this.#setSite(site);
    let requested = 0;
    this.ctx.storage.transactionSync(() => {
      for (const record of records) {
        if (!record.row) continue;
        insertRawRow(this.#sql, 'erasures', record.row);
        for (const id of record.ids) insertRawRow(this.#sql, 'erasure_ids', id);
      }
    });
    for (const record of records) {
      if (record.row) continue;
      await this.requestErasure({ site, seeds: record.seeds, via: record.via, requestedBy: record.requestedBy, confirm: true });
      requested++;
    }
    return requested;
  }

  /** The file route's question for a key the manifest does not list: is it a replaced file still kept for readers? */
  isKeptForReaders(key: string): boolean {
    return isKeptForReaders(this.#sql, key, Date.now());
  }

  /** Runs steps until there is nothing left to do now (or maxSteps); returns the number of steps. Tests and operators. */
  async drainWork(options: DrainOptions = {}): Promise<number> {
    this.#clockOverride = options.now ?? null;
    this.#compaction = options.compaction ?? DEFAULT_COMPACTION;
    try {
      let steps = 0;
      while (steps < (options.maxSteps ?? 10_000) && (await this.#step()) === 'progress') steps++;
      return steps;
    } finally {
      this.#clockOverride = null;
      this.#compaction = DEFAULT_COMPACTION;
      await this.#scheduleNext();
    }
  }

  override async alarm(): Promise<void> {
    const deadline = Date.now() + ALARM_BUDGET_MS;
    // a turn of the event loop between steps: a step's storage calls finish without leaving the isolate, so in
    // workerd (wrangler dev: every worker and object on one thread) a whole alarm of compaction held every other
    // request back (the demo's first manifest waited 16.6 s behind the merge of 759 flush files)
    while (Date.now() < deadline && (await this.#step()) === 'progress') await new Promise((resolve) => setTimeout(resolve, 0));
    await this.#scheduleNext();
  }

  #step(): Promise<StepOutcome> {
    const next = this.#stepQueue.then(() => this.#runStep());
    this.#stepQueue = next.catch(() => undefined);
    return next;
  }

  async #runStep(): Promise<StepOutcome> {
    const ctx = this.#context();
    if (!ctx) return 'idle';
    if ((await runErasureStep(ctx)) === 'progress') return 'progress';
    if ((await deleteDueObjects(ctx, ctx.now())) > 0) return 'progress';
    if (this.#hasWork('retention')) return this.#runWork('retention', ctx, async () => (await runRetentionStep(ctx)).outcome);
    if (this.#hasWork('compaction') && !activeErasure(this.#sql)) {
      return this.#runWork('compaction', ctx, async () => (await runCompactionStep(ctx, this.#compaction)).outcome);
    }
    return 'idle';
  }

  /** A failing retention or compaction step waits for the next cron tick instead of spinning. */
  async #runWork(kind: WorkKind, ctx: JobContext, step: () => Promise<StepOutcome>): Promise<StepOutcome> {
    try {
      const outcome = await step();
      if (outcome === 'idle') this.#sql.exec(`DELETE FROM pending_work WHERE kind = ?`, kind);
      else if (kind === 'compaction') await countHealth(this.env, ctx.site, { compactions: 1 });
      else await requestBackupRun(ctx, 'retention deleted expired dates');
    } catch (error) {
      console.error(`${kind} of site ${ctx.site} failed; retrying on the next scheduled run`, error);
      this.#sql.exec(`DELETE FROM pending_work WHERE kind = ?`, kind);
      if (kind === 'compaction') await countHealth(this.env, ctx.site, { compactions: 1, compactions_failed: 1 });
    }
    return 'progress';
  }

  #hasWork(kind: WorkKind): boolean {
    return this.#sql.exec(`SELECT 1 FROM pending_work WHERE kind = ?`, kind).toArray().length > 0;
  }

  async #scheduleNext(): Promise<void> {
    if (this.env.LIFECYCLE_PAUSED === 'true') return;
    const now = Date.now();
    const candidates: number[] = [];
    const retryAt = erasureRetryAt({ sql: this.#sql });
    if (retryAt !== null) candidates.push(Math.max(now, retryAt));
    if (this.#hasWork('retention') || this.#hasWork('compaction')) candidates.push(now);
    const due = nextDeleteDue(this.#sql);
    if (due !== null) candidates.push(Math.max(now, due));
    if (candidates.length === 0) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    await this.ctx.storage.setAlarm(Math.min(...candidates));
  }

  #context(): JobContext | null {
    const site = this.#sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'site'`).toArray()[0]?.value;
    if (!site) return null;
    return {
      site,
      env: this.env,
      sql: this.#sql,
      storage: this.ctx.storage,
      catalog: catalogOf(this.env, site),
      now: () => this.#clockOverride ?? Date.now(),
    };
  }

  #setSite(site: string): void {
    this.#sql.exec(`INSERT INTO meta (key, value) VALUES ('site', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, site);
  }
}


/** Inserts a row read from the same table of another instance (a restore); columns are this table's own names only. */
function insertRawRow(sql: SqlStorage, table: 'erasures' | 'erasure_ids', row: Record<string, SqlStorageValue>): void {
  const known = new Set(sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray().map((c) => c.name));
  const columns = Object.keys(row).filter((c) => known.has(c));
  if (columns.length === 0) return;
  sql.exec(`INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, ...columns.map((c) => row[c] ?? null));
}
