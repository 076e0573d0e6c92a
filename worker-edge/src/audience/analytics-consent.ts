import type { ConsentUpdate } from '@privacy-analytics/core/ingest';
import type { EventRow } from '@privacy-analytics/core/schema';
import type { Env } from '../env';
import { audiencesOf, everyBufferOf } from '../stubs';

/**
 * `analytics` consent at the ingest (docs/consent.md). A pseudonym whose latest `analytics` record is a withdrawal has
 * its events dropped before storage (counted as `consent_withdrawn`), from the moment the withdrawal is recorded until
 * a later grant. The set of such pseudonyms is held by every buffer shard (SQLite, like the erased ids), pushed to them
 * when a record changes it: a batch costs nothing more while the set is empty, and a primary-key lookup per row id
 * when it is not. Within the batch that carries the record, each row is judged by the record's time: the record's own
 * row is kept (it is the proof), the person's rows timed after a withdrawal (and before a re-grant) are not.
 */
export const ANALYTICS = 'analytics';
export const CONSENT_WITHDRAWN = 'consent_withdrawn';

export interface AnalyticsConsentChanges {
  /** pseudonyms whose latest analytics record is now a withdrawal */
  withdrawn: string[];
  /** pseudonyms whose latest analytics record is now a grant */
  granted: string[];
}

/** Records consent choices and, when any is about `analytics`, gives every buffer shard the persons' new state. */
export async function recordConsentEverywhere(env: Env, site: string, updates: ConsentUpdate[]): Promise<AnalyticsConsentChanges> {
  const changes = await audiencesOf(env, site).recordConsent(updates);
  if (changes.withdrawn.length > 0 || changes.granted.length > 0) {
    await Promise.all((await everyBufferOf(env, site)).map((buffer) => buffer.setAnalyticsConsent(changes.withdrawn, changes.granted)));
  }
  return changes;
}

export interface BatchConsentJudgement {
  /** rows to append (the buffer still checks the ones not in `judged` against its withdrawn set) */
  kept: EventRow[];
  dropped: number;
  /** event ids of rows this batch's own analytics records decided to keep (a re-grant, or the record itself) */
  judged: string[];
}

/**
 * Judges the rows of persons who have an `analytics` record in this batch by that record's time. `recordRows`: the event
 * ids of the rows that carried an analytics record.
 */
export function judgeBatchByItsConsent(rows: EventRow[], updates: readonly ConsentUpdate[], recordRows: ReadonlySet<string>): BatchConsentJudgement {
  const timeline = new Map<string, { at: number; granted: boolean }[]>();
  for (const u of updates) {
    if (u.purpose !== ANALYTICS) continue;
    const list = timeline.get(u.person) ?? [];
    list.push({ at: u.at, granted: u.granted });
    timeline.set(u.person, list);
  }
  if (timeline.size === 0) return { kept: rows, dropped: 0, judged: [] };
  for (const list of timeline.values()) list.sort((a, b) => a.at - b.at);
  const kept: EventRow[] = [];
  const judged: string[] = [];
  let dropped = 0;
  for (const row of rows) {
    if (recordRows.has(row.event_id)) {
      kept.push(row);
      judged.push(row.event_id);
      continue;
    }
    let decision: boolean | null = null;
    for (const id of [row.user_id, row.anonymous_id, row.previous_id]) {
      const list = id ? timeline.get(id) : undefined;
      const latest = list?.filter((u) => u.at <= row.timestamp).at(-1);
      if (latest) decision = decision === false ? false : latest.granted;
    }
    if (decision === false) dropped++;
    else {
      kept.push(row);
      if (decision === true) judged.push(row.event_id);
    }
  }
  return { kept, dropped, judged };
}
