import type { EventRow } from '@privacy-analytics/core/schema';
import { putEventFileWithRollup, readEventFile } from '../storage/event-file-store';
import { dayFileKey, eventFileKey } from '@privacy-analytics/core/parquet';
import { DEFAULT_COMPACTION, planCompaction, smallPartRows, type CompactionOptions, type CompactionTask } from './compaction-plan';
import { scheduleDeletes } from './deferred-deletes';
import type { JobContext, StepOutcome } from './job-context';

/** Readers holding a manifest from before a compaction can still fetch its inputs this long. */
export const COMPACTION_GRACE_MS = 60 * 60 * 1000;

export interface CompactionResult {
  task: { date: string; hour: number | null; inputs: string[] };
  output: string | null;
  rows: number;
  duplicatesDropped: number;
  swapped: boolean;
}

interface RunRow {
  id: string;
  task: string;
  output: string;
  [column: string]: SqlStorageValue;
}

export function createCompactionTables(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS compaction_run (id TEXT PRIMARY KEY, task TEXT NOT NULL, output TEXT NOT NULL, started_at INTEGER NOT NULL)`);
}

/**
 * One compaction task per step: merge its inputs into one file sorted by time and person, then
 * switch the manifest in one catalog transaction (inputs out, output in). The inputs stay in R2
 * for a grace period. A step interrupted between writing the output and the switch is detected
 * from the `compaction_run` row on the next step and resolved by asking the catalog which side won.
 */
export async function runCompactionStep(ctx: JobContext, options: CompactionOptions = DEFAULT_COMPACTION): Promise<{ outcome: StepOutcome; result: CompactionResult | null }> {
  await recoverInterruptedRun(ctx);
  const task = await nextTask(ctx, options);
  if (!task) return { outcome: 'idle', result: null };
  return { outcome: 'progress', result: await compact(ctx, task) };
}

async function nextTask(ctx: JobContext, options: CompactionOptions): Promise<CompactionTask | null> {
  const now = ctx.now();
  for (const date of await ctx.catalog.compactionCandidateDates(smallPartRows(options))) {
    const tasks = planCompaction(date, await ctx.catalog.filesOfDate(date), now, options);
    if (tasks.length > 0) return tasks[0]!;
  }
  return null;
}

async function compact(ctx: JobContext, task: CompactionTask): Promise<CompactionResult> {
  const runId = `${new Date(ctx.now()).toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${crypto.randomUUID().slice(0, 8)}`;
  const name = `c${runId}`;
  const output = task.hour === null ? dayFileKey(ctx.site, task.date, name) : eventFileKey(ctx.site, { date: task.date, hour: task.hour }, name);
  const inputKeys = task.inputs.map((f) => f.key);
  const summary = { date: task.date, hour: task.hour, inputs: inputKeys };
  // The inputs' deletion is recorded before the manifest switch, so no crash can leave them in R2 unlisted and
  // forgotten. Should the switch not happen (a crash, a lost race), they are still listed when due and
  // deleteDueObjects keeps them.
  ctx.storage.transactionSync(() => {
    ctx.sql.exec(`INSERT INTO compaction_run (id, task, output, started_at) VALUES (?, ?, ?, ?)`, runId, JSON.stringify(summary), output, ctx.now());
    scheduleDeletes(ctx.sql, inputKeys, ctx.now() + COMPACTION_GRACE_MS, `compacted into ${output}`);
  });

  const rows: EventRow[] = [];
  for (const key of inputKeys) rows.push(...(await readEventFile(ctx.env.EVENTS, key)));
  const merged = sortByTimeAndPerson(dropDuplicateEvents(rows));
  // The output's rollup is computed from the merged rows (sessions now whole within the output); the inputs' rollups
  // leave with the inputs (scheduleDeletes deletes each event key's rollup too).
  const entry = await putEventFileWithRollup(ctx.env.EVENTS, output, merged);
  const swap = await ctx.catalog.replaceFiles(inputKeys, [entry]);
  ctx.storage.transactionSync(() => {
    if (!swap.replaced) scheduleDeletes(ctx.sql, [output], ctx.now(), `compaction lost a race: ${swap.missing.join(', ')} changed`);
    ctx.sql.exec(`DELETE FROM compaction_run WHERE id = ?`, runId);
  });
  return { task: summary, output: swap.replaced ? output : null, rows: merged.length, duplicatesDropped: rows.length - merged.length, swapped: swap.replaced };
}

async function recoverInterruptedRun(ctx: JobContext): Promise<void> {
  const run = ctx.sql.exec<RunRow>(`SELECT * FROM compaction_run`).toArray()[0];
  if (!run) return;
  const task = JSON.parse(run.task) as CompactionResult['task'];
  const registered = (await ctx.catalog.filesOfDate(task.date)).some((f) => f.key === run.output);
  ctx.storage.transactionSync(() => {
    if (registered) scheduleDeletes(ctx.sql, task.inputs, ctx.now() + COMPACTION_GRACE_MS, `compacted into ${run.output}`);
    else scheduleDeletes(ctx.sql, [run.output], ctx.now(), 'interrupted compaction');
    ctx.sql.exec(`DELETE FROM compaction_run WHERE id = ?`, run.id);
  });
}

/** A retried flush re-registers the same key rather than adding rows, but if one ever did, the merge keeps each event once. */
function dropDuplicateEvents(rows: EventRow[]): EventRow[] {
  const seen = new Set<string>();
  return rows.filter((row) => !seen.has(row.event_id) && (seen.add(row.event_id), true));
}

function sortByTimeAndPerson(rows: EventRow[]): EventRow[] {
  const person = (row: EventRow) => row.user_id ?? row.anonymous_id ?? '';
  return rows.sort((a, b) => a.timestamp - b.timestamp || compare(person(a), person(b)) || compare(a.event_id, b.event_id));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
