import type { RegisteredFile } from '../storage/file-manifest';
import { DAY_MS, HOUR_MS } from '@privacy-analytics/core/time';
import { importOfEventKey } from '@privacy-analytics/core/imports';

/**
 * Which files to merge. Two levels, so that a day in progress stays cache-friendly and a finished
 * day becomes a handful of files:
 * - a finished hour of a day still in progress: its files merge into hour-level files
 *   (`date=D/hour=HH/c….parquet`), which then stay put for the rest of the day;
 * - a finished day: every hour-level file (and any small day-level part) merges into day-level
 *   parts (`date=D/c….parquet`), so reading 90 days means about 90 files instead of thousands.
 * Parts hold at most `partMaxRows` rows: a part is decoded, sorted and encoded in memory, and a
 * Worker has 128 MB.
 */
export interface CompactionOptions {
  partMaxRows: number;
  /** Wait this long after an hour ends before merging it (late flushes of that hour). */
  hourSettleMs: number;
  /** Wait this long after a day ends before merging it into day-level parts. */
  daySettleMs: number;
}

export const DEFAULT_COMPACTION: CompactionOptions = {
  partMaxRows: 50_000,
  hourSettleMs: 10 * 60 * 1000,
  daySettleMs: 60 * 60 * 1000,
};

export interface CompactionTask {
  date: string;
  /** null: the output is a day-level file. */
  hour: number | null;
  inputs: RegisteredFile[];
}

/** A flush's file: `s<shard>-f<flush>…`, hour-level, or day-level for late events (see IngestBuffer's flush). */
const FLUSH_FILE = /\/s\d+-f\d+[^/]*\.parquet$/;

/** Not merged by compaction yet: an hour-level file or a flush's day-level file. */
function isLoose(file: RegisteredFile): boolean {
  return file.hour !== null || FLUSH_FILE.test(file.key);
}

/** Day-level parts below this many rows are merged again with late files. */
export function smallPartRows(options: CompactionOptions): number {
  return options.partMaxRows / 2;
}


/** Tasks for one date, given every file registered for it. Each task yields one output file. */
export function planCompaction(date: string, registered: readonly RegisteredFile[], now: number, options: CompactionOptions = DEFAULT_COMPACTION): CompactionTask[] {
  // An import's files stay as they are, so that withdrawing it removes exactly its rows (core/src/imports/import-files.ts).
  const files = registered.filter((f) => importOfEventKey(f.key) === null);
  const dayStart = Date.parse(`${date}T00:00:00Z`);
  if (dayStart + DAY_MS + options.daySettleMs <= now) {
    const inputs = files.filter((f) => isLoose(f) || f.rows < smallPartRows(options));
    if (!inputs.some(isLoose)) return [];
    return groupIntoParts(inputs, options.partMaxRows).map((group) => ({ date, hour: null, inputs: group }));
  }
  const tasks: CompactionTask[] = [];
  for (let hour = 0; hour < 24; hour++) {
    if (dayStart + (hour + 1) * HOUR_MS + options.hourSettleMs > now) break;
    const inputs = files.filter((f) => f.hour === hour);
    for (const group of groupIntoParts(inputs, options.partMaxRows)) tasks.push({ date, hour, inputs: group });
  }
  return tasks;
}

/** Greedy packing in time order; a group of one file would only be copied, so it is left alone. */
function groupIntoParts(files: readonly RegisteredFile[], partMaxRows: number): RegisteredFile[][] {
  const ordered = [...files].sort((a, b) => a.minTime.localeCompare(b.minTime) || a.key.localeCompare(b.key));
  const groups: RegisteredFile[][] = [];
  let current: RegisteredFile[] = [];
  let rows = 0;
  for (const file of ordered) {
    if (current.length > 0 && rows + file.rows > partMaxRows) {
      groups.push(current);
      current = [];
      rows = 0;
    }
    current.push(file);
    rows += file.rows;
  }
  if (current.length > 0) groups.push(current);
  return groups.filter((group) => group.length >= 2);
}
