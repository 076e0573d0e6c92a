import type { ConsentUpdate } from '@privacy-analytics/core/ingest';

/**
 * Consent records in the site's SiteAudiences object (SQLite): append-only, one row per choice a person made (pseudonym,
 * purpose, granted or withdrawn, when, where from, when the edge recorded it). The record history is the proof of
 * consent (GDPR Art. 7(1), PIPL Art. 14-15); the current state of a purpose is its latest record by the time of the
 * choice (ties: the later recorded).
 */

export interface ConsentRecord {
  hashedId: string;
  purpose: string;
  granted: boolean;
  at: string;
  source: string;
  recordedAt: string;
}

/** Per person: `granted` / `withdrawn` from its latest record, or absent when there is none. */
export type ConsentState = Map<string, 'granted' | 'withdrawn'>;

export const MAX_CONSENT_RECORDS_LISTED = 500;

export function createConsentTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS consent_records (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, person TEXT NOT NULL, purpose TEXT NOT NULL, granted INTEGER NOT NULL,
      at INTEGER NOT NULL, source TEXT NOT NULL, recorded_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS consent_records_person ON consent_records (person, purpose, at);
  `);
}

export function insertConsent(sql: SqlStorage, updates: readonly ConsentUpdate[], recordedAt: number): void {
  for (const u of updates) {
    sql.exec(`INSERT INTO consent_records (person, purpose, granted, at, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?)`, u.person, u.purpose, u.granted ? 1 : 0, u.at, u.source, recordedAt);
  }
}

/**
 * The consent state of each of `persons` for a purpose covered by any of `purposes` (e.g. `marketing:email` and
 * `marketing`): the latest record over those purposes decides.
 */
export function consentStateOf(sql: SqlStorage, persons: readonly string[], purposes: readonly string[]): ConsentState {
  const state: ConsentState = new Map();
  if (persons.length === 0) return state;
  const rows = sql
    .exec<{ person: string; granted: number }>(
      `SELECT person, granted FROM consent_records
       WHERE person IN (SELECT value FROM json_each(?)) AND purpose IN (SELECT value FROM json_each(?))
       ORDER BY person, at DESC, seq DESC`,
      JSON.stringify(persons),
      JSON.stringify(purposes),
    )
    .toArray();
  for (const row of rows) if (!state.has(row.person)) state.set(row.person, row.granted === 1 ? 'granted' : 'withdrawn');
  return state;
}

/** A person's records, newest first, and the current state per purpose. */
export function consentOf(sql: SqlStorage, person: string): { records: ConsentRecord[]; current: Record<string, { granted: boolean; at: string; source: string }> } {
  const rows = sql
    .exec<{ person: string; purpose: string; granted: number; at: number; source: string; recorded_at: number }>(
      `SELECT * FROM consent_records WHERE person = ? ORDER BY at DESC, seq DESC LIMIT ?`,
      person,
      MAX_CONSENT_RECORDS_LISTED,
    )
    .toArray();
  const records = rows.map((r) => ({ hashedId: r.person, purpose: r.purpose, granted: r.granted === 1, at: new Date(r.at).toISOString(), source: r.source, recordedAt: new Date(r.recorded_at).toISOString() }));
  const current: Record<string, { granted: boolean; at: string; source: string }> = {};
  for (const r of records) current[r.purpose] ??= { granted: r.granted, at: r.at, source: r.source };
  return { records, current };
}

/** Every pseudonym whose latest `analytics` record is a withdrawal (a buffer shard's first sync). */
export function analyticsWithdrawn(sql: SqlStorage): string[] {
  return sql
    .exec<{ person: string }>(
      `SELECT person FROM (SELECT person, granted, ROW_NUMBER() OVER (PARTITION BY person ORDER BY at DESC, seq DESC) AS n FROM consent_records WHERE purpose = 'analytics')
       WHERE n = 1 AND granted = 0`,
    )
    .toArray()
    .map((r) => r.person);
}
