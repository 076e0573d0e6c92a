/** Hive-style object keys: events/site=<site>/date=<YYYY-MM-DD>/hour=<HH>/<file>.parquet */
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

export function eventFileKey(site: string, partition: Partition, fileName: string): string {
  return `${partitionPrefix(site, partition)}${fileName}.parquet`;
}

const KEY_PATTERN = /^events\/site=([a-z0-9][a-z0-9_-]{0,62})\/date=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/[A-Za-z0-9._-]{1,128}\.parquet$/;

/** Parses a file key, or returns null when it is not one of ours (used to refuse path tricks). */
export function parseEventFileKey(key: string): { site: string; date: string; hour: number } | null {
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  return { site: match[1]!, date: match[2]!, hour: Number(match[3]) };
}
