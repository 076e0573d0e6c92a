import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { catalogOf, lifecycleOf } from '../stubs';
import { currentErasureMark, isFinished, kindDue, newRun, runBackupStep, type BackupContext, type BackupRun, type FinishedRun, type RunKind } from './backup-job';
import { createBackupTables, getMeta, listSnapshotRows, setMeta, type SnapshotRow } from './backup-store';
import { runRestoreStep, startRestore, type RestoreState } from './restore-job';

/** Wall time one alarm spends on steps before rescheduling itself (each step is a bounded batch). */
const ALARM_BUDGET_MS = 10_000;
/** Steps per alarm: each makes at most ~2 × FILES_PER_STEP + 2 subrequests, well within a Worker's limit in total. */
const STEPS_PER_ALARM = 4;
const MAX_ATTEMPTS = 5;
const RETRY_BASE_MS = 60_000;

export interface BackupStatus {
  site: string | null;
  run: BackupRun | null;
  lastRun: FinishedRun | null;
  requested: string | null;
  snapshots: SnapshotInfo[];
  restore: RestoreState | null;
}

export interface SnapshotInfo {
  id: string;
  kind: 'daily' | 'full';
  takenAt: string;
  files: number;
  objects: number;
  bytes: number;
  rewrittenAt: string | null;
}

export type RestoreStart = { started: RestoreState } | { refused: 'backup_run_active' | 'restore_active'; message: string };

/**
 * One per site: the backup job (backup-job.ts) and the restore (restore-job.ts), in alarm-driven bounded steps with
 * every cursor in its own storage, so a run resumes where it stopped. The cron trigger calls tick() every 5 minutes:
 * a run starts once per UTC day (full when the last full snapshot is a week old), and at once when an erasure or a
 * retention pass asks for one (requestRun).
 */
export class SiteBackup extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  #clockOverride: number | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.storage.transactionSync(() => createBackupTables(this.#sql));
  }

  /** The cron trigger: starts the day's run if none ran today, or a requested one. */
  tick(site: string, now: number = Date.now()): Promise<void> {
    return this.#serially(async () => {
      this.#setSite(site);
      const today = new Date(now).toISOString().slice(0, 10);
      if (getMeta<string>(this.#sql, 'last_run_date') !== today && getMeta<BackupRun>(this.#sql, 'run') === null) setMeta(this.#sql, 'requested', 'daily');
      await this.#startRequested(now);
      await this.#scheduleNext();
    });
  }

  /** Asks for a run as soon as possible (after the one in progress): an erasure finished, retention deleted data, an admin asked. */
  requestRun(site: string, reason: string, kind?: RunKind): Promise<BackupStatus> {
    return this.#serially(async () => {
      this.#setSite(site);
      setMeta(this.#sql, 'requested', reason);
      if (kind === 'full') setMeta(this.#sql, 'requested_full', true);
      await this.#startRequested(Date.now());
      await this.#scheduleNext();
      return this.#status();
    });
  }

  status(): BackupStatus {
    return this.#status();
  }

  startRestore(site: string, snapshotId: string, force: boolean, requestedBy: string): Promise<RestoreStart> {
    return this.#serially(async () => {
      this.#setSite(site);
      const current = getMeta<RestoreState>(this.#sql, 'restore');
      if (current && current.phase !== 'done' && current.phase !== 'failed') return { refused: 'restore_active' as const, message: `restore of ${current.snapshotId} is in progress (${current.phase})` };
      const run = getMeta<BackupRun>(this.#sql, 'run');
      if (run) return { refused: 'backup_run_active' as const, message: `backup run ${run.id} is in progress (${run.phase}); restore when it has finished` };
      const ctx = this.#context()!;
      const state = await startRestore(ctx, snapshotId, force, requestedBy);
      setMeta(this.#sql, 'restore', state);
      await this.#scheduleNext();
      return { started: state };
    });
  }

  /** Runs steps until nothing is left to do now (tests and operators); `now` pretends the clock shows it. */
  async drain(options: { now?: number; maxSteps?: number } = {}): Promise<number> {
    this.#clockOverride = options.now ?? null;
    try {
      let steps = 0;
      while (steps < (options.maxSteps ?? 100_000) && (await this.#serially(() => this.#step()))) steps++;
      return steps;
    } finally {
      this.#clockOverride = null;
    }
  }

  override async alarm(): Promise<void> {
    const deadline = Date.now() + ALARM_BUDGET_MS;
    for (let steps = 0; steps < STEPS_PER_ALARM && Date.now() < deadline; steps++) {
      if (!(await this.#serially(() => this.#step()))) break;
    }
    await this.#scheduleNext();
  }

  /** One step of the restore, else of the backup run; false when there was nothing to do (or it must wait). */
  async #step(): Promise<boolean> {
    const ctx = this.#context();
    if (!ctx) return false;
    const restore = getMeta<RestoreState>(this.#sql, 'restore');
    if (restore && restore.phase !== 'done' && restore.phase !== 'failed') {
      try {
        setMeta(this.#sql, 'restore', await runRestoreStep(ctx, restore));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.error(`restore of site ${ctx.site} from ${restore.snapshotId} failed: ${message}`, error);
        setMeta(this.#sql, 'restore', { ...restore, phase: 'failed', error: message.slice(0, 1000), finishedAt: ctx.now() });
      }
      return true;
    }
    await this.#startRequested(ctx.now());
    const run = getMeta<BackupRun>(this.#sql, 'run');
    if (!run || run.nextAttemptAt > ctx.now()) return false;
    try {
      const next = await runBackupStep(ctx, run);
      if (isFinished(next)) this.#finish(next);
      else setMeta(this.#sql, 'run', { ...next, attempts: 0, error: null });
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
      const attempts = run.attempts + 1;
      console.error(`backup run ${run.id} of site ${ctx.site}: ${run.phase} failed (attempt ${attempts}): ${message}`, error);
      if (attempts >= MAX_ATTEMPTS) {
        const { phase: _p, position: _l, importsCursor: _c, importsPrefix: _i, nextAttemptAt: _n, ...rest } = run;
        this.#finish({ ...rest, attempts, error: message, status: 'failed', finishedAt: ctx.now(), snapshotId: null });
      } else {
        setMeta(this.#sql, 'run', { ...run, attempts, error: message, nextAttemptAt: ctx.now() + RETRY_BASE_MS * 2 ** (attempts - 1) });
      }
    }
    return true;
  }

  #finish(run: FinishedRun): void {
    this.ctx.storage.transactionSync(() => {
      setMeta(this.#sql, 'run', null);
      setMeta(this.#sql, 'last_run', run);
      this.#sql.exec(`DELETE FROM run_files; DELETE FROM run_objects;`);
    });
    console.log(JSON.stringify({ backupRun: run.status, site: getMeta<string>(this.#sql, 'site'), id: run.id, kind: run.kind, reason: run.reason, snapshotId: run.snapshotId, ...run.stats, error: run.error }));
  }

  async #startRequested(now: number): Promise<void> {
    const requested = getMeta<string>(this.#sql, 'requested');
    if (requested === null || getMeta<BackupRun>(this.#sql, 'run') !== null) return;
    const ctx = this.#context();
    if (!ctx) return;
    const restore = getMeta<RestoreState>(this.#sql, 'restore');
    if (restore && restore.phase !== 'done' && restore.phase !== 'failed') return;
    const kind: RunKind = getMeta<boolean>(this.#sql, 'requested_full') ? 'full' : kindDue(this.#sql, now);
    const run = newRun(kind, requested, now, await currentErasureMark(ctx));
    this.ctx.storage.transactionSync(() => {
      setMeta(this.#sql, 'run', run);
      setMeta(this.#sql, 'requested', null);
      setMeta(this.#sql, 'requested_full', null);
    });
  }

  async #scheduleNext(): Promise<void> {
    if (this.env.LIFECYCLE_PAUSED === 'true') return;
    const restore = getMeta<RestoreState>(this.#sql, 'restore');
    const run = getMeta<BackupRun>(this.#sql, 'run');
    const due = restore && restore.phase !== 'done' && restore.phase !== 'failed' ? Date.now() : run ? Math.max(Date.now(), run.nextAttemptAt) : getMeta<string>(this.#sql, 'requested') !== null ? Date.now() : null;
    if (due === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(due);
  }

  #status(): BackupStatus {
    return {
      site: getMeta<string>(this.#sql, 'site'),
      run: getMeta<BackupRun>(this.#sql, 'run'),
      lastRun: getMeta<FinishedRun>(this.#sql, 'last_run'),
      requested: getMeta<string>(this.#sql, 'requested'),
      snapshots: listSnapshotRows(this.#sql).map(toInfo),
      restore: getMeta<RestoreState>(this.#sql, 'restore'),
    };
  }

  #context(): BackupContext | null {
    const site = getMeta<string>(this.#sql, 'site');
    if (!site) return null;
    return {
      site,
      env: this.env,
      sql: this.#sql,
      storage: this.ctx.storage,
      catalog: catalogOf(this.env, site),
      lifecycle: lifecycleOf(this.env, site),
      now: () => this.#clockOverride ?? Date.now(),
    };
  }

  #setSite(site: string): void {
    if (getMeta<string>(this.#sql, 'site') !== site) setMeta(this.#sql, 'site', site);
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function toInfo(row: SnapshotRow): SnapshotInfo {
  return {
    id: row.id,
    kind: row.kind,
    takenAt: new Date(row.taken_at).toISOString(),
    files: row.files,
    objects: row.objects,
    bytes: row.bytes,
    rewrittenAt: row.rewritten_at === null ? null : new Date(row.rewritten_at).toISOString(),
  };
}
