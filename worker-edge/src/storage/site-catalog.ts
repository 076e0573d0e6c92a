import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { toHex } from '../privacy/keyed-hash';
import type { ManifestEntry } from './manifest-entry';

const SALT_LIFETIME_MS = 48 * 60 * 60 * 1000;

/**
 * One per site: the list of Parquet files (the manifest) and the daily salts of cookieless mode.
 * Registering files is an upsert, so a retried flush cannot list a file twice.
 */
export class SiteCatalog extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`
      CREATE TABLE IF NOT EXISTS files (
        key TEXT PRIMARY KEY, date TEXT NOT NULL, hour INTEGER NOT NULL, bytes INTEGER NOT NULL,
        rows INTEGER NOT NULL, min_time INTEGER NOT NULL, max_time INTEGER NOT NULL,
        etag TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS files_by_date ON files (date);
      CREATE TABLE IF NOT EXISTS salts (date TEXT PRIMARY KEY, salt TEXT NOT NULL, created_at INTEGER NOT NULL);
    `);
  }

  registerFiles(entries: readonly ManifestEntry[]): void {
    this.ctx.storage.transactionSync(() => {
      for (const e of entries) {
        this.#sql.exec(
          `INSERT INTO files (key, date, hour, bytes, rows, min_time, max_time, etag, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes, rows = excluded.rows,
             min_time = excluded.min_time, max_time = excluded.max_time, etag = excluded.etag`,
          e.key, e.date, e.hour, e.bytes, e.rows, Date.parse(e.minTime), Date.parse(e.maxTime), e.etag, Date.parse(e.createdAt),
        );
      }
    });
  }

  /** Files whose partition date lies in [from, to] (inclusive, YYYY-MM-DD; either may be omitted). */
  listFiles(from?: string, to?: string): ManifestEntry[] {
    const rows = this.#sql
      .exec<{ key: string; date: string; hour: number; bytes: number; rows: number; min_time: number; max_time: number; etag: string; created_at: number }>(
        `SELECT * FROM files WHERE date >= ? AND date <= ? ORDER BY date, hour, key`,
        from ?? '0000-00-00',
        to ?? '9999-99-99',
      )
      .toArray();
    return rows.map((r) => ({
      key: r.key,
      date: r.date,
      hour: r.hour,
      bytes: r.bytes,
      rows: r.rows,
      minTime: new Date(r.min_time).toISOString(),
      maxTime: new Date(r.max_time).toISOString(),
      etag: r.etag,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  /** The cookieless salt for a UTC day: random, created on first use, deleted 48 h after creation. */
  async dailySalt(date: string): Promise<string> {
    const now = Date.now();
    this.#sql.exec(`DELETE FROM salts WHERE created_at < ?`, now - SALT_LIFETIME_MS);
    const existing = this.#sql.exec<{ salt: string }>(`SELECT salt FROM salts WHERE date = ?`, date).toArray()[0];
    if (existing) return existing.salt;
    const salt = toHex(crypto.getRandomValues(new Uint8Array(32)));
    this.#sql.exec(`INSERT INTO salts (date, salt, created_at) VALUES (?, ?, ?)`, date, salt, now);
    await this.#ensureSaltCleanup(now);
    return salt;
  }

  /** Dates whose salt is still stored (for tests and operators; the salts themselves never leave). */
  saltDates(): string[] {
    return this.#sql.exec<{ date: string }>(`SELECT date FROM salts ORDER BY date`).toArray().map((r) => r.date);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.#sql.exec(`DELETE FROM salts WHERE created_at < ?`, now - SALT_LIFETIME_MS);
    const next = this.#sql.exec<{ t: number | null }>(`SELECT MIN(created_at) AS t FROM salts`).one().t;
    if (next !== null) await this.ctx.storage.setAlarm(next + SALT_LIFETIME_MS);
  }

  async #ensureSaltCleanup(createdAt: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > createdAt + SALT_LIFETIME_MS) await this.ctx.storage.setAlarm(createdAt + SALT_LIFETIME_MS);
  }
}
