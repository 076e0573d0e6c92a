/**
 * Marketing spend from a CSV file (RFC 4180: comma separated, optional double quotes, "" inside
 * quotes, LF or CRLF line ends, optional UTF-8 BOM) with a header row naming the columns:
 *
 *   channel  (or source)        the channel, matched exactly (after trimming) to attribution channels
 *   spend    (or cost, amount)  a non-negative decimal number with a "." decimal point
 *   date     (or day), optional YYYY-MM-DD; rows outside the analysed [from, to] are left out
 *
 * Column names are case-insensitive; other columns are ignored. Every error names the line, the
 * column and the offending value.
 */
import { parseCsv as parseCsvText, type CsvRecord } from '../imports/csv';
import { parseDate, type TimeBounds } from './sql';

export class SpendCsvError extends Error {
  override name = 'SpendCsvError';
}

export interface SpendRow {
  /** 1-based line of the row in the file. */
  line: number;
  date: string | null;
  channel: string;
  spend: number;
}

export const MAX_SPEND_CSV_BYTES = 20 * 1024 * 1024;
const COLUMN_ALIASES = { channel: ['channel', 'source'], spend: ['spend', 'cost', 'amount'], date: ['date', 'day'] } as const;
const NUMBER = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Records of a CSV text (comma separated); throws SpendCsvError on an unterminated quote or text after a closing quote. */
function parseCsv(text: string, label: string): CsvRecord[] {
  return parseCsvText(text, label, { delimiter: ',', error: (message) => new SpendCsvError(message) });
}

function columnIndex(header: readonly string[], name: keyof typeof COLUMN_ALIASES): number {
  const names = header.map((h) => h.trim().toLowerCase());
  for (const alias of COLUMN_ALIASES[name]) {
    const i = names.indexOf(alias);
    if (i !== -1) return i;
  }
  return -1;
}

export function parseSpendCsv(text: string, label = 'spend CSV'): SpendRow[] {
  if (text.length > MAX_SPEND_CSV_BYTES) throw new SpendCsvError(`${label}: larger than ${MAX_SPEND_CSV_BYTES} characters`);
  const records = parseCsv(text, label);
  const header = records.shift();
  if (!header) throw new SpendCsvError(`${label}: empty file; expected a header row such as "date,channel,spend"`);
  const channelAt = columnIndex(header.fields, 'channel');
  const spendAt = columnIndex(header.fields, 'spend');
  const dateAt = columnIndex(header.fields, 'date');
  if (channelAt === -1 || spendAt === -1) {
    throw new SpendCsvError(`${label} line ${header.line}: the header needs a "channel" and a "spend" (or "cost") column; got ${JSON.stringify(header.fields.join(','))}`);
  }
  const rows: SpendRow[] = [];
  for (const record of records) {
    if (record.fields.length !== header.fields.length) {
      throw new SpendCsvError(`${label} line ${record.line}: expected ${header.fields.length} fields as in the header, got ${record.fields.length}`);
    }
    const at = (index: number, name: string) => `${label} line ${record.line}, column ${index + 1} (${name})`;
    const channel = record.fields[channelAt]!.trim();
    if (channel === '') throw new SpendCsvError(`${at(channelAt, 'channel')}: empty channel`);
    const rawSpend = record.fields[spendAt]!.trim();
    const spend = NUMBER.test(rawSpend) ? Number(rawSpend) : Number.NaN;
    if (!Number.isFinite(spend)) throw new SpendCsvError(`${at(spendAt, 'spend')}: expected a non-negative number such as 1250.50, got ${JSON.stringify(rawSpend)}`);
    let date: string | null = null;
    if (dateAt !== -1) {
      date = record.fields[dateAt]!.trim();
      if (parseDate(date) === null) throw new SpendCsvError(`${at(dateAt, 'date')}: expected a date YYYY-MM-DD, got ${JSON.stringify(date)}`);
    }
    rows.push({ line: record.line, date, channel, spend });
  }
  return rows;
}

export interface SpendSummary {
  /** Spend per channel over the rows used. */
  byChannel: Map<string, number>;
  total: number;
  rowsUsed: number;
  /** Dated rows outside the analysed range. */
  rowsOutsideRange: number;
}

/** Sums spend per channel; dated rows count when their day lies in [fromMs, toMs). */
export function summariseSpend(rows: readonly SpendRow[], bounds: TimeBounds): SpendSummary {
  const byChannel = new Map<string, number>();
  let total = 0;
  let rowsUsed = 0;
  let rowsOutsideRange = 0;
  for (const row of rows) {
    if (row.date !== null) {
      const day = parseDate(row.date)!;
      if ((bounds.fromMs !== null && day < bounds.fromMs) || (bounds.toMs !== null && day >= bounds.toMs)) {
        rowsOutsideRange++;
        continue;
      }
    }
    byChannel.set(row.channel, (byChannel.get(row.channel) ?? 0) + row.spend);
    total += row.spend;
    rowsUsed++;
  }
  return { byChannel, total, rowsUsed, rowsOutsideRange };
}

export interface ChannelEconomics {
  spend: number;
  /** spend / attributed conversions; null without conversions. */
  cpa: number | null;
  /** attributed revenue / spend; null without spend. */
  roas: number | null;
  /** attributed revenue * margin / spend; null without spend. */
  roi: number | null;
}

export function economics(spend: number, conversions: number, revenue: number, margin: number): ChannelEconomics {
  return {
    spend,
    cpa: conversions > 0 ? spend / conversions : null,
    roas: spend > 0 ? revenue / spend : null,
    roi: spend > 0 ? (revenue * margin) / spend : null,
  };
}
