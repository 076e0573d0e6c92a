/**
 * Ad-platform reports (spend, impressions, clicks, platform-reported conversions per day, platform, campaign and ad
 * group) as rows of their own small table: they describe campaigns, not persons, so they are not events. Stored by
 * the edge as Parquet under imports/ad_spend/site=<site>/date=<YYYY-MM-DD>/<import id>.parquet (AD_SPEND_COLUMNS).
 *
 * Impossible records are rejected by row: more clicks than impressions, a negative amount, an unknown or future date,
 * the same (date, platform, campaign, ad group) twice.
 */
import { columnFromArray, float64, tableFromColumns, tableToIPC, utf8, type Column } from '@uwdata/flechette';
import type { ParquetWasm } from '../parquet/parquet-writer';
import { resolveFields, tableNumber, tableReader, type FieldNames } from './field-mapping';
import { parseTableTime, type TableTimeOptions } from './table-time';
import type { ColumnMapping, RejectedRow, TableRow } from './table-messages';

export const AD_SPEND_FIELDS = {
  date: ['date', 'day', 'report_date', 'reporting_starts', 'time'],
  platform: ['platform', 'source', 'network', 'publisher', 'channel'],
  campaign: ['campaign', 'campaign_name', 'utm_campaign'],
  ad_group: ['ad_group', 'adgroup', 'ad_set', 'adset', 'ad_group_name', 'ad_set_name'],
  impressions: ['impressions', 'impr', 'views'],
  clicks: ['clicks', 'link_clicks'],
  spend: ['spend', 'cost', 'amount_spent', 'amount'],
  currency: ['currency'],
  conversions: ['conversions', 'platform_conversions', 'purchases', 'results'],
} as const satisfies FieldNames;

export interface AdSpendRow {
  date: string;
  platform: string | null;
  campaign: string | null;
  ad_group: string | null;
  impressions: number | null;
  clicks: number | null;
  spend: number;
  currency: string | null;
  conversions: number | null;
  import_id: string;
}

export const AD_SPEND_COLUMNS = [
  { name: 'date', kind: 'string', doc: 'the report day, YYYY-MM-DD' },
  { name: 'platform', kind: 'string', doc: 'ad platform or channel (utm_source as the site tags it)' },
  { name: 'campaign', kind: 'string', doc: 'campaign (utm_campaign as the site tags it)' },
  { name: 'ad_group', kind: 'string', doc: 'ad group / ad set' },
  { name: 'impressions', kind: 'float64', doc: 'impressions the platform reports' },
  { name: 'clicks', kind: 'float64', doc: 'clicks the platform reports' },
  { name: 'spend', kind: 'float64', doc: 'amount spent' },
  { name: 'currency', kind: 'string', doc: 'ISO 4217 code of spend' },
  { name: 'conversions', kind: 'float64', doc: 'conversions the platform claims (its own attribution)' },
  { name: 'import_id', kind: 'string', doc: 'the import the row came in' },
] as const satisfies readonly { name: keyof AdSpendRow; kind: 'string' | 'float64'; doc: string }[];

export interface AdSpendConversion {
  mapping: ColumnMapping;
  rows: (AdSpendRow & { line: number })[];
  rejected: RejectedRow[];
}

export interface AdSpendOptions extends TableTimeOptions {
  importId: string;
  now: number;
  currency?: string;
}

export function adSpendRows(header: readonly string[], rows: readonly TableRow[], given: ColumnMapping, options: AdSpendOptions): AdSpendConversion {
  const resolved = resolveFields('ad_spend', AD_SPEND_FIELDS, ['date', 'spend'], header, given);
  const rejected: RejectedRow[] = [];
  const { cell, reject, complete } = tableReader(header, resolved, rejected);
  const seen = new Map<string, number>();
  const out: AdSpendConversion['rows'] = [];
  const today = new Date(options.now).toISOString().slice(0, 10);
  for (const row of complete(rows)) {
    const rawDate = cell(row, 'date');
    const ms = rawDate === null ? null : parseTableTime(rawDate, options);
    if (ms === null) {
      reject(row, 'date', rawDate === null ? 'empty' : `${JSON.stringify(rawDate)} is not a date`);
      continue;
    }
    const date = new Date(ms).toISOString().slice(0, 10);
    if (ms < 0) {
      reject(row, 'date', `${rawDate} is before 1970-01-01`);
      continue;
    }
    if (date > today) {
      reject(row, 'date', `${rawDate} is in the future`);
      continue;
    }
    const numbers: Partial<Record<'impressions' | 'clicks' | 'spend' | 'conversions', number | null>> = {};
    let bad = false;
    for (const field of ['impressions', 'clicks', 'spend', 'conversions'] as const) {
      const raw = cell(row, field);
      if (raw === null) {
        if (field === 'spend') bad = reject(row, field, 'empty') === null;
        numbers[field] = null;
        continue;
      }
      const value = tableNumber(raw);
      if (value === null || !Number.isFinite(value)) bad = reject(row, field, `${JSON.stringify(raw)} is not a number`) === null;
      else if (value < 0) bad = reject(row, field, `${raw} is negative`) === null;
      else numbers[field] = value;
    }
    if (bad) continue;
    const { impressions = null, clicks = null, conversions = null } = numbers;
    if (impressions !== null && clicks !== null && clicks > impressions) {
      reject(row, 'clicks', `${clicks} clicks exceed ${impressions} impressions`);
      continue;
    }
    const platform = cell(row, 'platform');
    const campaign = cell(row, 'campaign');
    const adGroup = cell(row, 'ad_group');
    const key = JSON.stringify([date, platform, campaign, adGroup]);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      reject(row, 'row', `duplicate: ${date} ${platform ?? '-'} / ${campaign ?? '-'} / ${adGroup ?? '-'} is on line ${earlier} already`);
      continue;
    }
    seen.set(key, row.line);
    const currency = cell(row, 'currency')?.toUpperCase() ?? options.currency ?? null;
    if (currency !== null && !/^[A-Z]{3}$/.test(currency)) {
      reject(row, 'currency', `${JSON.stringify(currency)} is not an ISO 4217 code`);
      continue;
    }
    out.push({ line: row.line, date, platform, campaign, ad_group: adGroup, impressions, clicks, spend: numbers.spend!, currency, conversions, import_id: options.importId });
  }
  const kept = withoutConversionsBeforeTouch(out, (line, reason) => rejected.push({ line, field: `conversions (${resolved.mapping.conversions ?? 'conversions'})`, reason }));
  rejected.sort((a, b) => a.line - b.line);
  return { mapping: resolved.mapping, rows: kept, rejected };
}

/**
 * "A conversion before its touch": per platform / campaign / ad group, the first touch is the earliest date with an
 * impression or a click in the file; a row reporting conversions dated before it (or in a group whose reported
 * impressions and clicks are all zero) is impossible and rejected. Groups whose rows report neither impressions nor
 * clicks cannot be judged and are kept. View-through conversions count: an impression is a touch.
 */
function withoutConversionsBeforeTouch(rows: AdSpendConversion['rows'], reject: (line: number, reason: string) => void): AdSpendConversion['rows'] {
  const firstTouch = new Map<string, string | null>();
  const groupOf = (r: AdSpendConversion['rows'][number]) => JSON.stringify([r.platform, r.campaign, r.ad_group]);
  for (const r of rows) {
    const group = groupOf(r);
    if (r.impressions === null && r.clicks === null) continue;
    const touched = (r.impressions ?? 0) > 0 || (r.clicks ?? 0) > 0;
    const current = firstTouch.get(group);
    if (current === undefined) firstTouch.set(group, touched ? r.date : null);
    else if (touched && (current === null || r.date < current)) firstTouch.set(group, r.date);
  }
  return rows.filter((r) => {
    if (!r.conversions) return true;
    const touch = firstTouch.get(groupOf(r));
    if (touch === undefined || (touch !== null && r.date >= touch)) return true;
    const what = `${r.platform ?? '-'} / ${r.campaign ?? '-'} / ${r.ad_group ?? '-'}`;
    reject(r.line, touch === null ? `${r.conversions} conversions on ${r.date}, but ${what} has no impression or click in the file` : `${r.conversions} conversions on ${r.date}, before the first impression or click of ${what} (${touch})`);
    return false;
  });
}

const TYPES = { string: () => utf8(), float64: () => float64() };

export function encodeAdSpendParquet(rows: readonly AdSpendRow[], parquet: ParquetWasm): Uint8Array {
  if (rows.length === 0) throw new Error('encodeAdSpendParquet: no rows to write');
  const columns: Record<string, Column<unknown>> = {};
  for (const spec of AD_SPEND_COLUMNS) columns[spec.name] = columnFromArray(rows.map((row) => row[spec.name]), TYPES[spec.kind]() as never) as Column<unknown>;
  const ipc = tableToIPC(tableFromColumns(columns), { format: 'stream' });
  if (!ipc) throw new Error('encodeAdSpendParquet: Arrow IPC encoding produced no bytes');
  const properties = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setCreatedBy('privacy-analytics edge')
    .setKeyValueMetadata(new Map([['table', 'ad_spend']]))
    .build();
  return parquet.writeParquet(parquet.Table.fromIPCStream(ipc) as never, properties as never);
}
