/**
 * Hive-style object keys. Flushes write hour-level files:
 *   events/site=<site>/date=<YYYY-MM-DD>/hour=<HH>/<file>.parquet
 * Compaction writes day-level files, one level up, because one compacted file spans the date:
 *   events/site=<site>/date=<YYYY-MM-DD>/<file>.parquet
 */
export interface Partition {
  date: string;
  hour: number;
}

export function partitionOf(epochMs: number): Partition {
  const iso = new Date(epochMs).toISOString();
  return { date: iso.slice(0, 10), hour: Number(iso.slice(11, 13)) };
}

export function partitionPrefix(site: string, partition?: Partition): string {
  const base = `events/site=${site}/`;
  if (!partition) return base;
  return `${base}date=${partition.date}/hour=${String(partition.hour).padStart(2, '0')}/`;
}

export function datePrefix(site: string, date: string): string {
  return `events/site=${site}/date=${date}/`;
}

export function eventFileKey(site: string, partition: Partition, fileName: string): string {
  return `${partitionPrefix(site, partition)}${fileName}.parquet`;
}

export function dayFileKey(site: string, date: string, fileName: string): string {
  return `${datePrefix(site, date)}${fileName}.parquet`;
}

const KEY_PATTERN =
  /^events\/site=([a-z0-9][a-z0-9_-]{0,62})\/date=(\d{4}-\d{2}-\d{2})\/(?:hour=(\d{2})\/)?([A-Za-z0-9._-]{1,128})\.parquet$/;

export interface ParsedEventFileKey {
  site: string;
  date: string;
  /** null for a day-level (compacted) file. */
  hour: number | null;
  fileName: string;
}

/** Parses a file key, or returns null when it is not one of ours (used to refuse path tricks). */
export function parseEventFileKey(key: string): ParsedEventFileKey | null {
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  return { site: match[1]!, date: match[2]!, hour: match[3] === undefined ? null : Number(match[3]), fileName: match[4]! };
}
