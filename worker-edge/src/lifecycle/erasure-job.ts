import { erasureSettings } from '../config/sites';
import { sha256Hex } from '@privacy-analytics/core/privacy';
import { getEventFileBytes, putEventFileWithRollup, withRollupKeys } from '../storage/event-file-store';
import { decodeEventColumns, decodeStoredEvents } from '../storage/parquet-reader';
import { parseEventFileKey } from '@privacy-analytics/core/parquet';
import { deleteDueObjects } from './deferred-deletes';
import {
  activeErasure,
  addTarget,
  clearTargets,
  decideBlockedIds,
  erasedIdsOf,
  erasureById,
  judgeCandidates,
  loadPersonLinks,
  markTargetDone,
  nextTarget,
  saveLinkScan,
  toErasureStatus,
  updateErasure,
  type ErasureRow,
} from './erasure-store';
import { scanLinks } from './erasure-links';
import { mentionsAny, PERSON_ID_COLUMNS } from './identity-links';
import type { AuditValue } from './audit-log';
import type { JobContext, StepOutcome } from './job-context';
import { backupOf, everyBufferOf } from '../stubs';

/** Files scanned per step: id columns only, so this is cheap even for compacted files. */
const SCAN_FILES_PER_STEP = 25;
const SCAN_BUDGET_MS = 5_000;
/** Consecutive failures before a request is marked failed (the admin can submit it again). */
export const MAX_ERASURE_ATTEMPTS = 5;
const RETRY_BASE_MS = 30_000;

/**
 * One bounded step of the active erasure. Phases:
 * - block: add the request's ids to the erased set (catalog and every ingest shard) when they are
 *   user ids given as such (a hashed id may turn out shared, so it waits for the purge), then flush
 *   the shards so that links still buffered (identify, alias) are in R2 where the next phase looks;
 * - link: full passes over the manifest up to a snapshot. A pass notes the ids found beside the
 *   person's ids (candidates) and the ties of every candidate; at its end the candidates whose rows
 *   it read in full become members or stops (erasure-links.ts). Passes repeat until one changes
 *   nothing; the files matched in that last pass are the targets;
 * - confirm: a request that would erase more than ERASURE_CONFIRM_ABOVE_IDS ids waits here, as a
 *   dry run, until it is confirmed (nothing is erased or blocked beyond the block phase);
 * - purge: block the person's own ids and delete the person's rows still buffered in the shards
 *   (ids on those rows that are new send the job back to link); delete compaction leftovers now;
 * - rewrite: one target per step: write the file without the person's rows under a new key,
 *   swap it into the manifest in one catalog transaction, delete the old object;
 * - sweep: check files registered since the snapshot (flushed meanwhile), then done.
 * Every step is idempotent, so a restart at any point repeats at most the step it was in.
 */
export async function runErasureStep(ctx: JobContext): Promise<StepOutcome> {
  const job = activeErasure(ctx.sql);
  if (!job || job.next_attempt_at > ctx.now()) return 'idle';
  if (job.status === 'pending') updateErasure(ctx.sql, job.id, { status: 'running', started_at: job.started_at ?? ctx.now() });
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
    const shards = await everyBufferOf(ctx.env, ctx.site);
    if (job.via === 'userId') {
      const seeds = JSON.parse(job.seeds) as string[];
      await ctx.catalog.addErasedIds(seeds, job.id);
      await Promise.all(shards.map((shard) => shard.blockIds(seeds)));
    }
    await Promise.all(shards.map((shard) => shard.flush()));
    startLinkPass(ctx, job, job.pass + 1, await ctx.catalog.currentFileSeq());
  },

  link: async (ctx, job) => {
    const files = await ctx.catalog.filesBySeq(job.cursor, job.snapshot_seq, SCAN_FILES_PER_STEP);
    if (files.length > 0) {
      const scanned = await scanForPerson(ctx, job, job.cursor, files);
      updateErasure(ctx.sql, job.id, {
        cursor: scanned.lastSeq,
        grew: job.grew || scanned.grew ? 1 : 0,
        files_scanned: job.files_scanned + scanned.count,
        rows_matched: job.rows_matched + scanned.matchedRows,
      });
      return;
    }
    const members = ctx.storage.transactionSync(() => judgeCandidates(ctx.sql, job.id, job.pass, erasureSettings(ctx.env).linkMaxIds));
    if (job.grew || members > 0) startLinkPass(ctx, job, job.pass + 1, job.snapshot_seq);
    else if (!job.confirmed && erasedIdsOf(ctx.sql, job.id).size > erasureSettings(ctx.env).confirmAboveIds) {
      updateErasure(ctx.sql, job.id, { status: 'awaiting_confirmation', phase: 'confirm' });
    } else updateErasure(ctx.sql, job.id, { phase: 'purge' });
  },

  // Not active while awaiting; a confirmation moves the request back to block (requestErasure).
  confirm: async () => undefined,

  purge: async (ctx, job) => {
    const erased = [...erasedIdsOf(ctx.sql, job.id)];
    const blocked = ctx.storage.transactionSync(() => decideBlockedIds(ctx.sql, job.id));
    await ctx.catalog.addErasedIds(blocked, job.id);
    const results = await Promise.all((await everyBufferOf(ctx.env, ctx.site)).map((shard) => shard.purgeIds(erased, blocked)));
    const removed = results.reduce((n, r) => n + r.rowsRemoved, 0);
    const scan = scanLinks(results.flatMap((r) => r.removedIds), loadPersonLinks(ctx.sql, job.id), erasureSettings(ctx.env).linkMaxIds);
    ctx.storage.transactionSync(() => {
      updateErasure(ctx.sql, job.id, { buffered_rows_removed: job.buffered_rows_removed + removed });
      saveLinkScan(ctx.sql, job.id, job.pass, scan);
    });
    if (scan.found.length > 0) {
      startLinkPass(ctx, job, job.pass + 1, await ctx.catalog.currentFileSeq());
      return;
    }
    // Compaction inputs waiting out their grace period are no longer listed but may hold the person's rows.
    while ((await deleteDueObjects(ctx, Number.MAX_SAFE_INTEGER)) > 0);
    updateErasure(ctx.sql, job.id, { phase: 'rewrite', sweep_cursor: job.snapshot_seq });
  },

  rewrite: async (ctx, job) => {
    const key = nextTarget(ctx.sql, job.id);
    if (key === null) {
      updateErasure(ctx.sql, job.id, { phase: 'sweep' });
      return;
    }
    const outcome = await rewriteWithout(ctx, job, key, erasedIdsOf(ctx.sql, job.id));
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
    const scanned = await scanForPerson(ctx, job, job.sweep_cursor, files);
    updateErasure(ctx.sql, job.id, { sweep_cursor: scanned.lastSeq, files_scanned: job.files_scanned + scanned.count });
    // New candidates here are links the earlier passes could not see: judge them over all files, then go on.
    if (scanned.grew) startLinkPass(ctx, job, job.pass + 1, upTo);
  },

  done: async () => undefined,
};

function startLinkPass(ctx: JobContext, job: ErasureRow, pass: number, snapshotSeq: number): void {
  ctx.storage.transactionSync(() => {
    clearTargets(ctx.sql, job.id);
    updateErasure(ctx.sql, job.id, { phase: 'link', pass, cursor: 0, grew: 0, snapshot_seq: snapshotSeq, rows_matched: 0 });
  });
}

/** Reads the id columns of these files: targets (files with rows to erase), new candidates and ties. */
async function scanForPerson(ctx: JobContext, job: ErasureRow, fromSeq: number, files: readonly { key: string; seq: number }[]) {
  const person = loadPersonLinks(ctx.sql, job.id);
  const { linkMaxIds } = erasureSettings(ctx.env);
  const started = Date.now();
  let lastSeq = fromSeq;
  let count = 0;
  let grew = false;
  let matchedRows = 0;
  for (const file of files) {
    const rows = decodeEventColumns(await getEventFileBytes(ctx.env.EVENTS, file.key), file.key, PERSON_ID_COLUMNS);
    const scan = scanLinks(rows, person, linkMaxIds);
    ctx.storage.transactionSync(() => {
      saveLinkScan(ctx.sql, job.id, job.pass, scan);
      if (scan.matchedRows > 0) addTarget(ctx.sql, job.id, file.key);
    });
    grew ||= scan.found.length > 0;
    matchedRows += scan.matchedRows;
    lastSeq = file.seq;
    count++;
    if (Date.now() - started > SCAN_BUDGET_MS) break;
  }
  return { lastSeq, count, grew, matchedRows };
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
  await requestBackupRun(ctx, `erasure ${job.id} done`);
}

/** Erasure and retention reach the backups with the run this starts (else with the next daily run). */
export async function requestBackupRun(ctx: Pick<JobContext, 'env' | 'site'>, reason: string): Promise<void> {
  try {
    await backupOf(ctx.env, ctx.site).requestRun(ctx.site, reason);
  } catch (error) {
    console.warn(`backup run not requested (${reason}); the next daily run covers it`, error);
  }
}

function auditSummary(ctx: JobContext, id: string): Record<string, AuditValue> {
  const row = erasureById(ctx.sql, id);
  if (!row) return { requestId: id };
  const status = toErasureStatus(ctx.sql, row);
  return {
    requestId: status.id,
    hashedIds: status.hashedIds,
    linkedIds: status.linkedIds,
    blockedIds: status.blockedIds,
    stops: status.stopCount,
    confirmed: status.confirmed,
    passes: status.passes,
    filesScanned: status.filesScanned,
    filesRewritten: status.filesRewritten,
    filesDeleted: status.filesDeleted,
    rowsRemoved: status.rowsRemoved,
    bufferedRowsRemoved: status.bufferedRowsRemoved,
  };
}
