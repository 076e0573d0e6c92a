import type { FileSpan } from '../engine/data-engine';
import type { LivePoint } from './live-counts.svelte.ts';

/** How often a dashboard connected to an edge re-syncs from the manifest while its tab is visible. */
export const AUTO_REFRESH_MS = 60_000;
/**
 * The edge writes buffered events at most every FLUSH_INTERVAL_SECONDS (30 s by default, 60 s at most). The loaded
 * data is late when the live counters saw events more than two of the longest flush intervals plus one re-sync
 * interval (and the counters' one-minute grain) after the newest event in the loaded files.
 */
export const MAX_FLUSH_INTERVAL_MS = 60_000;
export const LATE_AFTER_MS = 2 * MAX_FLUSH_INTERVAL_MS + AUTO_REFRESH_MS + 60_000;

export type Freshness =
  | { state: 'unknown'; reason: string }
  | { state: 'fresh'; newestData: string | null }
  | { state: 'late'; reason: string; newestData: string | null };

/** The newest event time the loaded files hold (ISO), or null without files. */
export function newestFileTime(index: readonly FileSpan[] | null): string | null {
  if (!index || index.length === 0) return null;
  return index.reduce((max, f) => (f.maxTime > max ? f.maxTime : max), index[0]!.maxTime);
}

/**
 * Whether the data on screen is as fresh as the edge can make it: late when the live counters show events received
 * well after the newest loaded one (flushes or the re-sync are not keeping up), or when re-syncing failed for longer
 * than two intervals. Without live counters (local files) it is unknown.
 */
export function judgeFreshness(input: {
  now: number;
  lastSyncAt: number | null;
  syncError: string | null;
  newestData: string | null;
  live: readonly LivePoint[] | null;
}): Freshness {
  const { now, lastSyncAt, syncError, newestData, live } = input;
  if (syncError && (lastSyncAt === null || now - lastSyncAt > 2 * AUTO_REFRESH_MS)) {
    return { state: 'late', reason: `re-syncing with the edge failed: ${syncError}`, newestData };
  }
  if (!live) return { state: 'unknown', reason: 'no live counters (local files)' };
  const lastLive = [...live].reverse().find((p) => p.accepted > 0);
  if (!lastLive) return { state: 'fresh', newestData };
  const liveAt = Date.parse(lastLive.minute);
  const dataAt = newestData === null ? Number.NEGATIVE_INFINITY : Date.parse(newestData);
  if (liveAt - dataAt > LATE_AFTER_MS) {
    const behind = Number.isFinite(dataAt) ? `${Math.round((liveAt - dataAt) / 60_000)} minutes behind the live counters` : 'no file yet for events the live counters saw';
    return { state: 'late', reason: `data is late: the newest loaded event is ${behind} (expected within ${Math.round(LATE_AFTER_MS / 60_000)} minutes)`, newestData };
  }
  return { state: 'fresh', newestData };
}
