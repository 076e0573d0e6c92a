import type { DataEngine } from '../engine/data-engine';
import type { Row } from '@privacy-analytics/core/engine';
import { errorMessage } from './errors';

export const DEFAULT_SQL = `SELECT event, count(*) AS events, count(DISTINCT coalesce(user_id, anonymous_id)) AS persons
FROM events
GROUP BY event
ORDER BY events DESC
LIMIT 20`;

export const MAX_SQL_LENGTH = 100_000;
/** rows rendered in the table; the CSV export has all of them */
export const MAX_SHOWN_ROWS = 1_000;

export interface SqlError {
  message: string;
  sql: string;
}

/** The analyst's SQL console over the loaded `events` table. */
export class SqlConsole {
  #sql = $state(DEFAULT_SQL);
  #running = $state(false);
  #rows = $state.raw<Row[]>([]);
  #columns = $state.raw<string[]>([]);
  #error = $state<SqlError | null>(null);
  #elapsedMs = $state<number | null>(null);
  #engine: DataEngine;

  constructor(engine: DataEngine) {
    this.#engine = engine;
  }

  get sql(): string {
    return this.#sql;
  }
  set sql(text: string) {
    this.#sql = text;
  }
  get running(): boolean {
    return this.#running;
  }
  get rows(): readonly Row[] {
    return this.#rows;
  }
  get columns(): readonly string[] {
    return this.#columns;
  }
  get error(): SqlError | null {
    return this.#error;
  }
  get elapsedMs(): number | null {
    return this.#elapsedMs;
  }
  get hasResult(): boolean {
    return this.#elapsedMs !== null && this.#error === null;
  }

  async run(): Promise<void> {
    const sql = this.#sql.trim();
    if (!sql) return;
    if (sql.length > MAX_SQL_LENGTH) {
      this.#error = { message: `the query has ${sql.length} characters, at most ${MAX_SQL_LENGTH}`, sql: sql.slice(0, 500) };
      return;
    }
    this.#running = true;
    this.#error = null;
    const started = performance.now();
    try {
      const rows = await this.#engine.query(sql);
      this.#rows = rows;
      this.#columns = columnsOf(rows);
      this.#elapsedMs = performance.now() - started;
    } catch (error) {
      this.#rows = [];
      this.#columns = [];
      this.#elapsedMs = null;
      this.#error = { message: errorMessage(error), sql };
    } finally {
      this.#running = false;
    }
  }

  async cancel(): Promise<void> {
    await this.#engine.cancelQuery();
  }

  toCsv(): string {
    return toCsv(this.#columns, this.#rows);
  }
}

export function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows.slice(0, 100)) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/**
 * RFC 4180 CSV. Text that a spreadsheet would run as a formula (=, +, @, tab, CR, or - not followed by a digit) gets a
 * leading apostrophe: event data comes from the public internet.
 */
export function toCsv(columns: readonly string[], rows: readonly Row[]): string {
  const quote = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const guard = (value: unknown, text: string) => (typeof value === 'string' && /^([=+@\t\r]|-(?!\d))/.test(text) ? `'${text}` : text);
  const lines = [columns.map(quote).join(',')];
  for (const row of rows) lines.push(columns.map((c) => quote(guard(row[c], cellText(row[c])))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
