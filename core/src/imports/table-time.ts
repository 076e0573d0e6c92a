/**
 * Times as tables of past data write them, to epoch milliseconds (UTC unless the text carries an offset):
 *
 *   ISO 8601 / RFC 3339        2026-03-01, 2026-03-01T08:26:00Z, 2026-03-01 08:26[:00[.000]][+08:00]
 *   compact date               19970101 (YYYYMMDD, as in the CDNOW data set)
 *   slashed date (+ time)      12/1/2010 8:26 (month first by default, as in the UCI Online Retail data set);
 *                              `dayFirst` reads 1/12/2010 as 1 December; 2010/12/01 is always year first
 *   epoch                      10 digits: seconds, 13 digits: milliseconds
 *
 * Anything else, and impossible dates (2026-02-30, month 13), is null: the caller reports the row.
 */
export interface TableTimeOptions {
  /** Slashed dates are day/month/year (default month/day/year). */
  dayFirst?: boolean;
}

function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const d = new Date(t);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return t;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const SLASHED = /^(\d{1,4})[/.](\d{1,2})[/.](\d{1,4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const EPOCH = /^\d{10}(\d{3})?$/;

export function parseTableTime(raw: string, options: TableTimeOptions = {}): number | null {
  const text = raw.trim();
  let m = ISO.exec(text);
  if (m) {
    const fraction = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
    const t = utc(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), fraction);
    if (t === null) return null;
    const zone = m[8];
    if (!zone || zone.toUpperCase() === 'Z') return t;
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    return t - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  if (EPOCH.test(text)) return text.length === 10 ? Number(text) * 1000 : Number(text);
  m = COMPACT.exec(text);
  if (m) return utc(+m[1]!, +m[2]!, +m[3]!);
  m = SLASHED.exec(text);
  if (m) {
    const [a, b, c] = [m[1]!, m[2]!, m[3]!];
    const time = [+(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)] as const;
    if (a.length === 4) return utc(+a, +b, +c, ...time);
    if (c.length !== 4) return null;
    return options.dayFirst ? utc(+c, +b, +a, ...time) : utc(+c, +a, +b, ...time);
  }
  return null;
}
