/**
 * An import's table to what is stored: event rows (orders, customers), made by the same normaliser as live events
 * (the site's keyed hash, scrubbing on) but without the live-ingest horizon (any time from 1970 on), or ad-spend rows.
 * Every row that cannot be stored is reported with its line, field and reason; reasons are scrubbed, as a value
 * quoted in one could be a phone number in the wrong column.
 */
import {
  adSpendRows,
  customersToMessages,
  suggestFields,
  tableToMessages,
  TableMappingError,
  ORDER_CONTACT_FIELDS,
  type AdSpendRow,
  type ColumnMapping,
  type ImportKind,
  type RejectedRow,
  type TableMessage,
  type TableRow,
} from '@privacy-analytics/core/imports';
import { messageToRow, type MessageOptions } from '@privacy-analytics/core/ingest';
import { scrubText, type IdHasher } from '@privacy-analytics/core/privacy';
import type { EventRow } from '@privacy-analytics/core/schema';
import { HttpError } from '../http/http-error';
import type { ImportTable } from './import-body';


export interface ImportContext {
  site: string;
  importId: string;
  hasher: IdHasher;
  queryParams: readonly string[];
  /** The site's phoneCountryCode (config/sites.ts). */
  phoneCountryCode?: string | undefined;
  now: number;
  /** Rows dated before this day (YYYY-MM-DD) would be deleted by retention at once: rejected. */
  retentionCutoff: string;
  /** Order ids among these that earlier imports brought (order id → import id). */
  importedOrders(ids: readonly string[]): Promise<Record<string, string>>;
}

export interface ConvertedImport {
  mapping: ColumnMapping;
  rejected: RejectedRow[];
  events: EventRow[];
  adSpend: AdSpendRow[];
  /** Order ids of the stored orders (remembered so that a later import cannot bring them again). */
  orderIds: string[];
}

const EARLIEST_MS = Date.UTC(1970, 0, 1);

export async function convertImport(kind: ImportKind, table: ImportTable, given: ColumnMapping, context: ImportContext): Promise<ConvertedImport> {
  try {
    if (kind === 'ad_spend') return adSpendImport(table, given, context);
    if (kind === 'customers') return await customersImport(table, given, context);
    return await ordersImport(table, given, context);
  } catch (error) {
    if (error instanceof TableMappingError) throw new HttpError(400, 'invalid_mapping', error.message);
    throw error;
  }
}

function adSpendImport(table: ImportTable, given: ColumnMapping, context: ImportContext): ConvertedImport {
  const converted = adSpendRows(table.header, table.rows, given, { importId: context.importId, now: context.now });
  const rejected = [...converted.rejected];
  const kept: AdSpendRow[] = [];
  for (const { line, ...row } of converted.rows) {
    if (row.date < context.retentionCutoff) rejected.push({ line, field: `date (${converted.mapping.date})`, reason: olderThanRetention(row.date, context) });
    else kept.push(row);
  }
  return { mapping: converted.mapping, rejected, events: [], adSpend: kept, orderIds: [] };
}

async function customersImport(table: ImportTable, given: ColumnMapping, context: ImportContext): Promise<ConvertedImport> {
  const converted = customersToMessages(table.header, table.rows, given, { now: context.now });
  const rejected = [...converted.rejected];
  const events: EventRow[] = [];
  for (const { line, message } of converted.messages) {
    message.messageId = `import:customer:${context.importId}:${line}`;
    const row = await normalise(message, context, (reason) => rejected.push({ line, field: fieldOfReason(reason, converted.mapping.registered), reason }));
    if (row && isTooOld(row, context)) rejected.push({ line, field: `registered (${converted.mapping.registered ?? '-'})`, reason: olderThanRetention(dateOf(row), context) });
    else if (row) events.push(row);
  }
  return { mapping: converted.mapping, rejected, events, adSpend: [], orderIds: [] };
}

async function ordersImport(table: ImportTable, given: ColumnMapping, context: ImportContext): Promise<ConvertedImport> {
  const { phone, email, ...orderMapping } = given;
  // A field given as '' is unmapped on purpose: no suggestion for it.
  const suggested: ColumnMapping = { ...suggestFields(ORDER_CONTACT_FIELDS, table.header), ...(phone !== undefined ? { phone } : {}), ...(email !== undefined ? { email } : {}) };
  const contacts = Object.fromEntries(Object.entries(suggested).filter(([, column]) => column !== ''));
  for (const [field, column] of Object.entries(contacts)) {
    if (!table.header.includes(column)) throw new TableMappingError(`${field}=${column}: the header has no column "${column}"; columns: ${table.header.join(', ')}`);
  }
  const rejected: RejectedRow[] = [];
  const seenLines = new Map<string, number>();
  const unique: TableRow[] = [];
  for (const row of table.rows) {
    const key = row.fields.join('\u0000');
    const earlier = seenLines.get(key);
    if (earlier !== undefined) rejected.push({ line: row.line, field: 'row', reason: `duplicate: the same as line ${earlier}` });
    else {
      seenLines.set(key, row.line);
      unique.push(row);
    }
  }
  const converted = tableToMessages('orders', table.header, unique, orderMapping);
  rejected.push(...converted.rejected);
  const mapping: ColumnMapping = { ...converted.mapping, ...contacts };
  const orderColumn = converted.mapping.order === undefined ? -1 : table.header.indexOf(converted.mapping.order);
  const orderField = `order (${converted.mapping.order ?? '-'})`;
  const byLine = new Map(unique.map((row) => [row.line, row]));
  const rejectedLines = new Set(converted.rejected.map((r) => r.line));
  const linesOfOrder = new Map<string, number[]>();
  if (orderColumn >= 0) {
    for (const row of unique) {
      if (rejectedLines.has(row.line)) continue;
      const id = (row.fields[orderColumn] ?? '').trim();
      linesOfOrder.set(id, [...(linesOfOrder.get(id) ?? []), row.line]);
    }
  }
  const orderIdOf = (message: TableMessage) => String((message.message.properties as Record<string, unknown>).order_id);
  const rejectOrder = (message: TableMessage, field: string, reason: string) => {
    for (const line of linesOfOrder.get(orderIdOf(message)) ?? [message.line]) rejected.push({ line, field, reason });
  };
  const before = orderColumn >= 0 ? await context.importedOrders(converted.messages.map(orderIdOf)) : {};
  const events: EventRow[] = [];
  const orderIds: string[] = [];
  for (const item of converted.messages) {
    const orderId = orderIdOf(item);
    const earlierImport = before[orderId];
    if (earlierImport !== undefined) {
      rejectOrder(item, orderField, `duplicate: order ${orderId} came in import ${earlierImport}`);
      continue;
    }
    const message = item.message;
    message.messageId = orderColumn >= 0 ? `import:order:${orderId}` : `import:order:${context.importId}:${item.line}`;
    const first = byLine.get(item.line);
    const traits: Record<string, string> = {};
    for (const [field, column] of Object.entries(contacts)) {
      const value = first ? (first.fields[table.header.indexOf(column)] ?? '').trim() : '';
      if (value !== '') traits[field] = value;
    }
    message.context = { library: { name: 'import' }, ...(Object.keys(traits).length ? { traits } : {}) };
    const row = await normalise(message, context, (reason) => rejectOrder(item, fieldOfReason(reason, converted.mapping.time), reason));
    if (!row) continue;
    if (isTooOld(row, context)) rejectOrder(item, `time (${converted.mapping.time})`, olderThanRetention(dateOf(row), context));
    else {
      events.push(row);
      if (orderColumn >= 0) orderIds.push(orderId);
    }
  }
  return { mapping, rejected, events, adSpend: [], orderIds };
}

async function normalise(message: Record<string, unknown>, context: ImportContext, reject: (reason: string) => void): Promise<EventRow | null> {
  const options: MessageOptions = { site: context.site, hasher: context.hasher, queryParams: context.queryParams, phoneCountryCode: context.phoneCountryCode, scrub: true, earliestMs: EARLIEST_MS };
  const outcome = await messageToRow(message, { receivedAt: context.now, country: null, region: null, requestUserAgent: null }, options);
  if (outcome.kind === 'row') return outcome.row;
  reject(outcome.reason);
  return null;
}

function fieldOfReason(reason: string, timeColumn: string | undefined): string {
  return reason.startsWith('timestamp_') ? `time (${timeColumn ?? '-'})` : 'row';
}

const dateOf = (row: EventRow) => new Date(row.timestamp).toISOString().slice(0, 10);
const isTooOld = (row: EventRow, context: ImportContext) => dateOf(row) < context.retentionCutoff;

function olderThanRetention(date: string, context: ImportContext): string {
  return `older_than_retention: ${date} is before ${context.retentionCutoff}, the oldest date the site keeps (retention would delete it at once)`;
}

/** The report's rejections, scrubbed (a quoted value may hold a phone number or an address), in line order. */
export function scrubbedRejections(rejected: readonly RejectedRow[]): RejectedRow[] {
  return [...rejected]
    .sort((a, b) => a.line - b.line)
    .map((r) => ({ line: r.line, field: scrubText(r.field).text.slice(0, 200), reason: scrubText(r.reason).text.slice(0, 500) }));
}
