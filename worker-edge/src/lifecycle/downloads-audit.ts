import { HOUR_MS } from '@privacy-analytics/core/time';
import { appendAudit, type AuditValue } from './audit-log';
import type { Role } from '../access/roles';

/**
 * File downloads in the audit log, one `data.download` entry per token, clock hour (UTC) and kind of file (event files,
 * rollups), updated in place while the hour lasts: a dashboard reading 5,000 files with several Range requests each
 * writes one entry, not tens of thousands. The entry says who (token id, role), which files (how many distinct ones,
 * their date range and the first MAX_LISTED_KEYS keys) and when (the hour, first and last request).
 *
 * `download_keys` holds the distinct keys of the open hour only (to count each file once); `download_entries` maps the
 * open hour's (token, kind) to its audit entry. Both are emptied of older hours as requests arrive.
 */
export const MAX_LISTED_KEYS = 20;

export type DownloadKind = 'events' | 'rollups';

export interface FileDownload {
  actor: string;
  role: Role;
  /** The file's partition date. */
  date: string;
}

export function createDownloadAuditTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS download_keys (hour INTEGER NOT NULL, actor TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (hour, actor, key));
    CREATE TABLE IF NOT EXISTS download_entries (
      hour INTEGER NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, audit_id INTEGER NOT NULL, PRIMARY KEY (hour, actor, kind));
  `);
}

export function recordDownload(sql: SqlStorage, key: string, download: FileDownload, now: number): void {
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  sql.exec(`DELETE FROM download_keys WHERE hour < ?`, hour);
  sql.exec(`DELETE FROM download_entries WHERE hour < ?`, hour);
  const kind: DownloadKind = key.startsWith('rollups/') ? 'rollups' : 'events';
  const seen = sql.exec(`SELECT 1 FROM download_keys WHERE hour = ? AND actor = ? AND key = ?`, hour, download.actor, key).toArray().length > 0;
  if (!seen) sql.exec(`INSERT INTO download_keys (hour, actor, key) VALUES (?, ?, ?)`, hour, download.actor, key);
  const at = new Date(now).toISOString();
  const entry = sql.exec<{ audit_id: number }>(`SELECT audit_id FROM download_entries WHERE hour = ? AND actor = ? AND kind = ?`, hour, download.actor, kind).toArray()[0];
  if (!entry) {
    const details: Record<string, AuditValue> = {
      hour: new Date(hour).toISOString(),
      kind,
      role: download.role,
      files: 1,
      requests: 1,
      fromDate: download.date,
      toDate: download.date,
      keys: [key],
      keysNotListed: 0,
      lastAt: at,
    };
    const id = appendAudit(sql, { action: 'data.download', actor: download.actor, details }, now);
    sql.exec(`INSERT INTO download_entries (hour, actor, kind, audit_id) VALUES (?, ?, ?, ?)`, hour, download.actor, kind, id);
    return;
  }
  const row = sql.exec<{ details: string }>(`SELECT details FROM audit WHERE id = ?`, entry.audit_id).toArray()[0];
  if (!row) return;
  const details = JSON.parse(row.details) as Record<string, AuditValue> & { files: number; requests: number; fromDate: string; toDate: string; keys: string[]; keysNotListed: number };
  details.requests += 1;
  details.lastAt = at;
  if (!seen) {
    details.files += 1;
    if (download.date < details.fromDate) details.fromDate = download.date;
    if (download.date > details.toDate) details.toDate = download.date;
    if (details.keys.length < MAX_LISTED_KEYS) details.keys.push(key);
    else details.keysNotListed += 1;
  }
  sql.exec(`UPDATE audit SET details = ? WHERE id = ?`, JSON.stringify(details), entry.audit_id);
}
