import { sha256Hex } from '@privacy-analytics/core/privacy';
import { getEventFileBytes, putEventFileWithRollup, withRollupKeys } from '../storage/event-file-store';
import { decodeEventColumns, decodeStoredEvents } from '../storage/parquet-reader';
import { parseEventFileKey } from '@privacy-analytics/core/parquet';
import { deleteDueObjects } from './deferred-deletes';
import {
  activeErasure,
  addPersonIds,
  addTarget,
  clearTargets,
  erasureById,
  markTargetDone,
  nextTarget,
  personIds,
  toErasureStatus,
  updateErasure,
  type ErasureRow,
} from './erasure-store';
import { extendPerson, mentionsAny, PERSON_ID_COLUMNS } from './identity-links';
import type { AuditValue } from './audit-log';
import type { JobContext, StepOutcome } from './job-context';
import { everyBufferOf } from '../stubs';

/** Files scanned per step: id columns only, so this is cheap even for compacted files. */
const SCAN_FILES_PER_STEP = 25;
const SCAN_BUDGET_MS = 5_000;
/** Consecutive failures before a request is marked failed (the admin can submit it again). */
export const MAX_ERASURE_ATTEMPTS = 5;
const RETRY_BASE_MS = 30_000;

/**
 * One bounded step of the oldest unfinished erasure. Phases:
 * - block: add the seed ids to the erased set (catalog and every ingest shard), then flush the
 *   shards so that links still buffered (identify, alias) are in R2 where the next phase looks;
 * - link: full passes over the manifest up to a snapshot, growing the person's ids through every
 *   row that shares an id with them, until a pass adds nothing; the files matched in that last
 *   pass are the targets;
 * - purge: block all the ids and delete the person's rows still buffered in the shards (ids on
 *   those rows that are new send the job back to link); delete compaction leftovers now;
 * - rewrite: one target per step: write the file without the person's rows under a new key,
 *   swap it into the manifest in one catalog transaction, delete the old object;
 * - sweep: check files registered since the snapshot (flushed meanwhile), then done.
 * Every step is idempotent, so a restart at any point repeats at most the step it was in.
 */
export async function runErasureStep(ctx: JobContext): Promise<StepOutcome> {
  const job = activeErasure(ctx.sql);
  if (!job || job.next_attempt_at > ctx.now()) return 'idle';
  if (job.status === 'pending') updateErasure(ctx.sql, job.id, { status: 'running', started_at: ctx.now() });
  try {
    await PHASES[job.phase](ctx, { ...job, status: 'running' });
    if (job.attempts > 0) updateErasure(ctx.sql, job.id, { attempts: 0, next_attempt_at: 0, error: null });
  } catch (error) {
    const attempts = job.attempts + 1;
    const message = `${job.phase} failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 1000);
    console.error(`erasure ${job.id} of site ${ctx.site}: ${message}`, error);
    if (attempts >= MAX_ERASURE_ATTEMPTS) {
      updateErasure(ctx.sql, job.id, { status: 'failed', finished_at: ctx.now(), attempts, error: message });
      await ctx.catalog.appendAudit({ action: 'erasure.failed', actor: 'system', details: { ...auditSummary(ctx, job.id), error: message } });
    } else {
      updateErasure(ctx.sql, job.id, { attempts, error: message, next_attempt_at: ctx.now() + RETRY_BASE_MS * 2 ** (attempts - 1) });
    }
  }
  return 'progress';
}

export function erasureRetryAt(ctx: Pick<JobContext, 'sql'>): number | null {
  const job = activeErasure(ctx.sql);
  return job ? job.next_attempt_at : null;
}

type Phase = (ctx: JobContext, job: ErasureRow) => Promise<void>;

const PHASES: Record<ErasureRow['phase'], Phase> = {
  block: async (ctx, job) => {
    const ids = [...personIds(ctx.sql, job.id)];
    await ctx.catalog.addErasedIds(ids, job.id);
    const shards = await everyBufferOf(ctx.env, ctx.site);
    await Promise.all(shards.map((shard) => shard.blockIds(ids)));
    await Promise.all(shards.map((shard) => shard.flush()));
    startLinkPass(ctx, job, 1, await ctx.catalog.currentFileSeq());
  },

  link: async (ctx, job) => {
    const files = await ctx.catalog.filesBySeq(job.cursor, job.snapshot_seq, SCAN_FILES_PER_STEP);
    if (files.length === 0) {
      if (job.grew) startLinkPass(ctx, job, job.pass + 1, job.snapshot_seq);
      else updateErasure(ctx.sql, job.id, { phase: 'purge' });
      return;
    }
    const scanned = await scanForPerson(ctx, job, files);
    updateErasure(ctx.sql, job.id, { cursor: scanned.lastSeq, grew: job.grew || scanned.grew ? 1 : 0, files_scanned: job.files_scanned + scanned.count });
  },

  purge: async (ctx, job) => {
    const person = personIds(ctx.sql, job.id);
    const ids = [...person];
    await ctx.catalog.addErasedIds(ids, job.id);
    const results = await Promise.all((await everyBufferOf(ctx.env, ctx.site)).map((shard) => shard.purgeIds(ids)));
    const removed = results.reduce((n, r) => n + r.rowsRemoved, 0);
    const linked = results.flatMap((r) => r.linkedIds).filter((id) => !person.has(id));
    ctx.storage.transactionSync(() => {
      updateErasure(ctx.sql, job.id, { buffered_rows_removed: job.buffered_rows_removed + removed });
      addPersonIds(ctx.sql, job.id, linked);
    });
    if (linked.length > 0) {
      startLinkPass(ctx, job, job.pass + 1, await ctx.catalog.currentFileSeq());
      return;
    }
    // Compaction inputs waiting out their grace period are no longer listed but may hold the person's rows.
    while ((await deleteDueObjects(ctx.sql, ctx.env.EVENTS, Number.MAX_SAFE_INTEGER)) > 0);
    updateErasure(ctx.sql, job.id, { phase: 'rewrite', sweep_cursor: job.snapshot_seq });
  },

  rewrite: async (ctx, job) => {
    const key = nextTarget(ctx.sql, job.id);
    if (key === null) {
      updateErasure(ctx.sql, job.id, { phase: 'sweep' });
      return;
    }
    const outcome = await rewriteWithout(ctx, job, key, personIds(ctx.sql, job.id));
    ctx.storage.transactionSync(() => {
      markTargetDone(ctx.sql, job.id, key);
      updateErasure(ctx.sql, job.id, {
        files_rewritten: job.files_rewritten + (outcome.rewritten ? 1 : 0),
        files_deleted: job.files_deleted + (outcome.deleted ? 1 : 0),
        rows_removed: job.rows_removed + outcome.rowsRemoved,
      });
    });
  },

  sweep: async (ctx, job) => {
    const upTo = await ctx.catalog.currentFileSeq();
    const files = await ctx.catalog.filesBySeq(job.sweep_cursor, upTo, SCAN_FILES_PER_STEP);
    if (files.length === 0) {
      if (nextTarget(ctx.sql, job.id) !== null) updateErasure(ctx.sql, job.id, { phase: 'rewrite' });
      else await finish(ctx, job);
      return;
    }
    const scanned = await scanForPerson(ctx, job, files);
    updateErasure(ctx.sql, job.id, { sweep_cursor: scanned.lastSeq, files_scanned: job.files_scanned + scanned.count });
    // New ids here mean links the earlier passes could not follow: start over with the larger person.
    if (scanned.grew) startLinkPass(ctx, job, job.pass + 1, upTo);
  },

  done: async () => undefined,
};

function startLinkPass(ctx: JobContext, job: ErasureRow, pass: number, snapshotSeq: number): void {
  ctx.storage.transactionSync(() => {
    clearTargets(ctx.sql, job.id);
    updateErasure(ctx.sql, job.id, { phase: 'link', pass, cursor: 0, grew: 0, snapshot_seq: snapshotSeq });
  });
}

async function scanForPerson(ctx: JobContext, job: ErasureRow, files: readonly { key: string; seq: number }[]) {
  const person = personIds(ctx.sql, job.id);
  const started = Date.now();
  let lastSeq = job.cursor;
  let count = 0;
  let grew = false;
  for (const file of files) {
    const rows = decodeEventColumns(await getEventFileBytes(ctx.env.EVENTS, file.key), file.key, PERSON_ID_COLUMNS);
    const scan = extendPerson(rows, person);
    ctx.storage.transactionSync(() => {
      if (scan.added.length > 0) addPersonIds(ctx.sql, job.id, scan.added);
      if (scan.matched) addTarget(ctx.sql, job.id, file.key);
    });
    grew ||= scan.added.length > 0;
    lastSeq = file.seq;
    count++;
    if (Date.now() - started > SCAN_BUDGET_MS) break;
  }
  return { lastSeq, count, grew };
}

interface RewriteOutcome {
  rewritten: boolean;
  deleted: boolean;
  rowsRemoved: number;
}

async function rewriteWithout(ctx: JobContext, job: ErasureRow, key: string, person: ReadonlySet<string>): Promise<RewriteOutcome> {
  const nothing: RewriteOutcome = { rewritten: false, deleted: false, rowsRemoved: 0 };
  const registered = await ctx.catalog.fileByKey(key);
  if (!registered) {
    // Swapped out already (this step was interrupted after the switch) or replaced by another job: the object must go either way.
    await ctx.env.EVENTS.delete(withRollupKeys([key]));
    return nothing;
  }
  const rows = decodeStoredEvents(await getEventFileBytes(ctx.env.EVENTS, key), key);
  const kept = rows.filter((row) => !mentionsAny(row, person));
  const rowsRemoved = rows.length - kept.length;
  if (rowsRemoved === 0) return nothing;
  // The replacement's rollup is recomputed from the kept rows: the person's contribution leaves the rollup with the file.
  const replacement = kept.length > 0 ? await putEventFileWithRollup(ctx.env.EVENTS, await rewrittenKey(key, job.id), kept) : null;
  const swap = await ctx.catalog.replaceFiles([key], replacement ? [replacement] : []);
  if (!swap.replaced && replacement) await ctx.env.EVENTS.delete(withRollupKeys([replacement.key]));
  await ctx.env.EVENTS.delete(withRollupKeys([key]));
  if (!swap.replaced) return nothing;
  return { rewritten: replacement !== null, deleted: replacement === null, rowsRemoved };
}

/** A new key per (request, old key): readers never see a key change content, and a retried step writes the same key again. */
async function rewrittenKey(key: string, requestId: string): Promise<string> {
  const parsed = parseEventFileKey(key);
  if (!parsed) throw new Error(`erasure: "${key}" is not an event file key`);
  const base = parsed.fileName.replace(/-e[0-9a-f]{8}$/, '');
  const suffix = (await sha256Hex(`${requestId}\n${key}`)).slice(0, 8);
  return `${key.slice(0, key.length - parsed.fileName.length - '.parquet'.length)}${base}-e${suffix}.parquet`;
}

async function finish(ctx: JobContext, job: ErasureRow): Promise<void> {
  updateErasure(ctx.sql, job.id, { status: 'done', phase: 'done', finished_at: ctx.now() });
  await ctx.catalog.appendAudit({ action: 'erasure.done', actor: 'system', details: auditSummary(ctx, job.id) });
}

function auditSummary(ctx: JobContext, id: string): Record<string, AuditValue> {
  const row = erasureById(ctx.sql, id);
  if (!row) return { requestId: id };
  const status = toErasureStatus(ctx.sql, row);
  return {
    requestId: status.id,
    hashedIds: status.hashedIds,
    linkedIds: status.linkedIds,
    passes: status.passes,
    filesScanned: status.filesScanned,
    filesRewritten: status.filesRewritten,
    filesDeleted: status.filesDeleted,
    rowsRemoved: status.rowsRemoved,
    bufferedRowsRemoved: status.bufferedRowsRemoved,
  };
}
