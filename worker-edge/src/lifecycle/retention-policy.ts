import { DAY_MS } from '@privacy-analytics/core/time';
/** Records are kept at least 3 years (seeds.md, section 5), unless a site is configured otherwise. */
export const DEFAULT_RETENTION_DAYS = 1095;
export const MAX_RETENTION_DAYS = 36_500;


/**
 * The least retention an admin may set through the API without an override: the site's `retentionFloorDays`, else the
 * three years the records must be kept (DEFAULT_RETENTION_DAYS), or the configured retentionDays when the operator
 * configured less (their configuration is the explicit decision).
 */
export function retentionFloor(site: { retentionDays?: number | undefined; retentionFloorDays?: number | undefined }): number {
  return site.retentionFloorDays ?? Math.min(DEFAULT_RETENTION_DAYS, site.retentionDays ?? DEFAULT_RETENTION_DAYS);
}

export interface RetentionPolicy {
  retentionDays: number;
  source: 'default' | 'config' | 'api';
}

export function effectiveRetention(configured: number | undefined, override: number | null): RetentionPolicy {
  if (override !== null) return { retentionDays: override, source: 'api' };
  if (configured !== undefined) return { retentionDays: configured, source: 'config' };
  return { retentionDays: DEFAULT_RETENTION_DAYS, source: 'default' };
}

/**
 * The oldest date still kept: a partition dated D is deleted once D < cutoff, where cutoff is
 * today (UTC) minus retentionDays. With 30 days on 2026-11-30 the dates 2026-10-31 .. 2026-11-30
 * stay, so every event is kept at least retentionDays full days.
 */
export function retentionCutoff(now: number, retentionDays: number): string {
  const startOfToday = Math.floor(now / DAY_MS) * DAY_MS;
  return new Date(startOfToday - retentionDays * DAY_MS).toISOString().slice(0, 10);
}

export function createSettingsTables(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
}

export function retentionOverride(sql: SqlStorage): number | null {
  const value = sql.exec<{ value: string }>(`SELECT value FROM settings WHERE key = 'retention_days'`).toArray()[0]?.value;
  return value === undefined ? null : Number(value);
}

export function setRetentionOverride(sql: SqlStorage, days: number | null): void {
  if (days === null) sql.exec(`DELETE FROM settings WHERE key = 'retention_days'`);
  else sql.exec(`INSERT INTO settings (key, value) VALUES ('retention_days', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, String(days));
}
