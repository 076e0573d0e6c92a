/**
 * Tables of past data (CSV) as Segment messages, so they go through the same normaliser, hashing and Parquet
 * writer as live events. Two kinds:
 *
 *   orders   one row per order or per order line (rows sharing an order id are one order, its lines the
 *            `products`), as POS, marketplace and CRM exports and public data sets (CDNOW, UCI Online Retail)
 *            have them; each order becomes an `Order Completed` track call of the Segment e-commerce spec.
 *   events   one row per event: an event name, a person and a time; every other column is a property.
 *
 * Columns are mapped by name: `suggestMapping` proposes a column for each field from common header names
 * (case, spaces, `_` and `-` ignored) and a given mapping overrides it. Every row that cannot become part of a
 * message is reported with its line, field and reason; the rest are converted.
 */
import { resolveFields, suggestFields, tableReader, TableMappingError, type ColumnMapping, type RejectedRow, type TableRow } from './field-mapping';
import { parseTableTime, type TableTimeOptions } from './table-time';

export { TableMappingError, type ColumnMapping, type RejectedRow, type TableRow };

export const TABLE_KINDS = ['orders', 'events'] as const;
export type TableKind = (typeof TABLE_KINDS)[number];

/** Fields of each kind with the header names suggested for them, most specific first. */
export const TABLE_FIELDS = {
  orders: {
    user: ['user_id', 'userid', 'customer_id', 'customerid', 'customer', 'member_id', 'memberid', 'client_id', 'buyer_id', 'cust_id', 'user'],
    time: ['timestamp', 'order_time', 'order_date', 'orderdate', 'invoicedate', 'invoice_date', 'purchase_date', 'transaction_date', 'created_at', 'date', 'time'],
    order: ['order_id', 'orderid', 'invoiceno', 'invoice_no', 'invoice', 'transaction_id', 'order_number', 'order'],
    product: ['product_id', 'productid', 'stockcode', 'stock_code', 'sku', 'item_id', 'itemid', 'product', 'item'],
    name: ['product_name', 'description', 'item_name', 'name'],
    category: ['category', 'product_category', 'category_name'],
    quantity: ['quantity', 'qty', 'units', 'count'],
    price: ['unit_price', 'unitprice', 'price'],
    revenue: ['revenue', 'amount', 'total', 'order_total', 'sales', 'value', 'dollar_amount'],
    currency: ['currency'],
    store: ['store', 'store_id', 'shop', 'channel'],
  },
  events: {
    event: ['event', 'event_name', 'eventname', 'name', 'action'],
    user: ['user_id', 'userid', 'customer_id', 'customerid', 'member_id', 'user'],
    anonymous: ['anonymous_id', 'anonymousid', 'device_id', 'deviceid', 'visitor_id', 'cookie_id'],
    time: ['timestamp', 'time', 'event_time', 'created_at', 'date'],
  },
} as const;

export type TableField<K extends TableKind> = keyof (typeof TABLE_FIELDS)[K] & string;

const REQUIRED: Record<TableKind, readonly string[]> = { orders: ['user', 'time'], events: ['event', 'time'] };

/** A column for each field whose suggested names the header has (each column used once). */
export function suggestMapping(kind: TableKind, header: readonly string[]): ColumnMapping {
  return suggestFields(TABLE_FIELDS[kind], header);
}

/** The kind a header most likely holds: events when it names an event column, else orders. */
export function guessKind(header: readonly string[]): TableKind {
  return suggestMapping('events', header).event !== undefined ? 'events' : 'orders';
}

/** Parses `field=Column,field=Column`; throws TableMappingError naming a bad pair. */
export function parseMappingText(text: string): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new TableMappingError(`mapping "${pair}": expected field=Column`);
    mapping[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return mapping;
}

interface ResolvedMapping {
  mapping: ColumnMapping;
  /** Field → column index. */
  at: Map<string, number>;
}

/** The suggested mapping with `given` over it, checked against the kind's fields and the header. */
export function resolveMapping(kind: TableKind, header: readonly string[], given: ColumnMapping = {}): ResolvedMapping {
  return resolveFields(kind, TABLE_FIELDS[kind], REQUIRED[kind], header, given);
}

export interface TableMessage {
  /** Line of the first row the message comes from. */
  line: number;
  message: Record<string, unknown>;
}

export interface TableConversion {
  kind: TableKind;
  mapping: ColumnMapping;
  messages: TableMessage[];
  rejected: RejectedRow[];
}

export interface TableOptions extends TableTimeOptions {
  /** Currency of amounts when no currency column is mapped. */
  currency?: string;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const EARLIEST = Date.UTC(1970, 0, 1);

function numberOf(text: string): number | null {
  const t = text.trim().replace(/^\$/, '');
  return NUMBER.test(t) ? Number(t) : null;
}

/** Converts the rows of one table (header excluded) to messages. */
export function tableToMessages(kind: TableKind, header: readonly string[], rows: readonly TableRow[], given: ColumnMapping = {}, options: TableOptions = {}): TableConversion {
  const resolved = resolveMapping(kind, header, given);
  const { mapping, at } = resolved;
  const rejected: RejectedRow[] = [];
  const { cell, reject, complete: completeRows } = tableReader(header, resolved, rejected);
  const timeOf = (row: TableRow): number | null => {
    const raw = cell(row, 'time');
    if (raw === null) return reject(row, 'time', 'empty');
    const ms = parseTableTime(raw, options);
    if (ms === null) return reject(row, 'time', `${JSON.stringify(raw)} is not a date or time (YYYY-MM-DD[ HH:MM[:SS]], YYYYMMDD, M/D/YYYY[ H:MM], epoch seconds or ms)`);
    if (ms < EARLIEST) return reject(row, 'time', `${JSON.stringify(raw)} is before 1970-01-01`);
    return ms;
  };
  const complete = completeRows(rows);
  const messages = kind === 'orders' ? ordersToMessages(complete, cell, timeOf, reject, options) : eventsToMessages(complete, header, at, cell, timeOf, reject);
  return { kind, mapping, messages, rejected };
}

type Cell = (row: TableRow, field: string) => string | null;
type Reject = (row: TableRow, field: string, reason: string) => null;

interface Order {
  line: number;
  user: string;
  time: number;
  orderId: string;
  revenue: number;
  revenueKnown: boolean;
  quantity: number;
  currency: string | null;
  store: string | null;
  products: Record<string, unknown>[];
}

function ordersToMessages(rows: readonly TableRow[], cell: Cell, timeOf: (row: TableRow) => number | null, reject: Reject, options: TableOptions): TableMessage[] {
  const orders = new Map<string, Order>();
  const amount = (row: TableRow, field: string): number | null | undefined => {
    const raw = cell(row, field);
    if (raw === null) return undefined;
    const value = numberOf(raw);
    if (value === null) return reject(row, field, `${JSON.stringify(raw)} is not a number`);
    if (value < 0) return reject(row, field, `${raw} is negative (a return or cancellation is not an order)`);
    return value;
  };
  for (const row of rows) {
    const user = cell(row, 'user');
    if (user === null) {
      reject(row, 'user', 'empty: an order needs the customer it belongs to');
      continue;
    }
    const time = timeOf(row);
    if (time === null) continue;
    const quantity = amount(row, 'quantity');
    const price = amount(row, 'price');
    const revenue = amount(row, 'revenue');
    if (quantity === null || price === null || revenue === null) continue;
    const orderId = cell(row, 'order') ?? `line-${row.line}`;
    const currency = cell(row, 'currency')?.toUpperCase() ?? options.currency ?? null;
    let order = orders.get(orderId);
    if (order === undefined) {
      order = { line: row.line, user, time, orderId, revenue: 0, revenueKnown: false, quantity: 0, currency, store: cell(row, 'store'), products: [] };
      orders.set(orderId, order);
    } else if (order.user !== user) {
      reject(row, 'user', `order ${orderId} belongs to ${order.user} (line ${order.line}), not ${user}`);
      continue;
    }
    const lineQuantity = quantity ?? 1;
    const lineRevenue = revenue ?? (price !== undefined ? price * lineQuantity : undefined);
    if (lineRevenue !== undefined) {
      order.revenue += lineRevenue;
      order.revenueKnown = true;
    }
    order.quantity += lineQuantity;
    const product = cell(row, 'product');
    if (product !== null) {
      const item: Record<string, unknown> = { product_id: product, quantity: lineQuantity };
      const name = cell(row, 'name');
      const category = cell(row, 'category');
      if (name !== null) item.name = name;
      if (category !== null) item.category = category;
      if (price !== undefined) item.price = price;
      order.products.push(item);
    }
  }
  return [...orders.values()].map((order) => {
    const properties: Record<string, unknown> = { order_id: order.orderId };
    if (order.revenueKnown) properties.revenue = Math.round(order.revenue * 1e6) / 1e6;
    if (order.currency !== null) properties.currency = order.currency;
    if (order.products.length) properties.products = order.products;
    else properties.quantity = order.quantity;
    if (order.store !== null) properties.store = order.store;
    properties.source = 'import';
    return { line: order.line, message: { type: 'track', event: 'Order Completed', userId: order.user, timestamp: new Date(order.time).toISOString(), properties } };
  });
}

function eventsToMessages(rows: readonly TableRow[], header: readonly string[], at: Map<string, number>, cell: Cell, timeOf: (row: TableRow) => number | null, reject: Reject): TableMessage[] {
  const mapped = new Set(at.values());
  const messages: TableMessage[] = [];
  for (const row of rows) {
    const event = cell(row, 'event');
    if (event === null) {
      reject(row, 'event', 'empty: every row needs an event name');
      continue;
    }
    const user = cell(row, 'user');
    const anonymous = cell(row, 'anonymous');
    if (user === null && anonymous === null) {
      reject(row, at.has('anonymous') ? 'anonymous' : 'user', 'empty: a row needs a user id or an anonymous id');
      continue;
    }
    const time = timeOf(row);
    if (time === null) continue;
    const properties: Record<string, unknown> = {};
    header.forEach((column, index) => {
      if (mapped.has(index)) return;
      const value = (row.fields[index] ?? '').trim();
      if (value === '') return;
      properties[column] = numberOf(value) ?? value;
    });
    const message: Record<string, unknown> = { type: 'track', event, timestamp: new Date(time).toISOString(), properties };
    if (user !== null) message.userId = user;
    if (anonymous !== null) message.anonymousId = anonymous;
    messages.push({ line: row.line, message });
  }
  return messages;
}
