import { describe, expect, it } from 'vitest';
import { detectDelimiter, parseCsv } from './csv';
import { guessKind, parseMappingText, suggestMapping, tableToMessages, TableMappingError } from './table-messages';
import { parseTableTime } from './table-time';

describe('parseTableTime', () => {
  it('reads the layouts of common exports and public data sets as UTC', () => {
    expect(parseTableTime('19970101')).toBe(Date.UTC(1997, 0, 1));
    expect(parseTableTime('12/1/2010 8:26')).toBe(Date.UTC(2010, 11, 1, 8, 26));
    expect(parseTableTime('12/1/2010 8:26', { dayFirst: true })).toBe(Date.UTC(2010, 0, 12, 8, 26));
    expect(parseTableTime('2010/12/01')).toBe(Date.UTC(2010, 11, 1));
    expect(parseTableTime('2026-03-01 08:26:00')).toBe(Date.UTC(2026, 2, 1, 8, 26));
    expect(parseTableTime('2026-03-01T08:26:00.250+08:00')).toBe(Date.UTC(2026, 2, 1, 0, 26, 0, 250));
    expect(parseTableTime('1700000000')).toBe(1_700_000_000_000);
    expect(parseTableTime('1700000000123')).toBe(1_700_000_000_123);
  });
  it('refuses impossible dates and other text', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '19971301', '31/12/99', 'yesterday', '', '2026-03-01 25:00']) expect(parseTableTime(bad)).toBeNull();
  });
});

describe('parseCsv', () => {
  it('detects the delimiter outside quotes and keeps quoted delimiters and newlines', () => {
    expect(detectDelimiter('a;b;"c,d,e"\n1;2;3')).toBe(';');
    expect(detectDelimiter('a\tb\n')).toBe('\t');
    expect(parseCsv('\ufeffa,b\n"x, ""y""\nz",2\r\n\n3,4', 't')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, "y"\nz', '2'] },
      { line: 5, fields: ['3', '4'] },
    ]);
    expect(() => parseCsv('a,"b', 't')).toThrow(/line 1, column 2: unterminated quoted field/);
  });
});

describe('tableToMessages', () => {
  it('suggests columns by name and guesses the kind', () => {
    expect(suggestMapping('orders', ['InvoiceNo', 'StockCode', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID'])).toEqual({
      user: 'CustomerID', time: 'InvoiceDate', order: 'InvoiceNo', product: 'StockCode', quantity: 'Quantity', price: 'UnitPrice',
    });
    expect(guessKind(['event', 'user_id', 'timestamp'])).toBe('events');
    expect(guessKind(['customer_id', 'date', 'amount'])).toBe('orders');
    expect(parseMappingText('user=Customer No, time=Date')).toEqual({ user: 'Customer No', time: 'Date' });
    expect(() => parseMappingText('user')).toThrow(TableMappingError);
  });

  it('makes one Order Completed per order id with its lines as products and revenue = price x quantity', () => {
    const header = ['order', 'customer', 'date', 'sku', 'qty', 'price', 'store'];
    const rows = [
      { line: 2, fields: ['o1', 'c1', '2001-05-01', 'A', '2', '1.5', 'Shop 3'] },
      { line: 3, fields: ['o1', 'c1', '2001-05-01', 'B', '1', '4', 'Shop 3'] },
      { line: 4, fields: ['o1', 'c2', '2001-05-01', 'C', '1', '4', 'Shop 3'] },
      { line: 5, fields: ['o2', 'c2', 'soon', 'C', '1', '4', 'Shop 3'] },
      { line: 6, fields: ['o3', 'c2', '2001-05-02', 'C', 'x', '4', 'Shop 3'] },
      { line: 7, fields: ['o4', 'c2', '2001-05-02'] },
    ];
    const out = tableToMessages('orders', header, rows, {}, { currency: 'EUR' });
    expect(out.mapping).toMatchObject({ order: 'order', user: 'customer', time: 'date', product: 'sku', quantity: 'qty', price: 'price', store: 'store' });
    expect(out.messages).toEqual([
      {
        line: 2,
        message: {
          type: 'track', event: 'Order Completed', userId: 'c1', timestamp: '2001-05-01T00:00:00.000Z',
          properties: { order_id: 'o1', revenue: 7, currency: 'EUR', store: 'Shop 3', source: 'import', products: [{ product_id: 'A', quantity: 2, price: 1.5 }, { product_id: 'B', quantity: 1, price: 4 }] },
        },
      },
    ]);
    expect(out.rejected).toEqual([
      { line: 7, field: 'row', reason: '3 fields where the header has 7' },
      { line: 4, field: 'user (customer)', reason: 'order o1 belongs to c1 (line 2), not c2' },
      { line: 5, field: 'time (date)', reason: expect.stringContaining('"soon" is not a date') as unknown as string },
      { line: 6, field: 'quantity (qty)', reason: '"x" is not a number' },
    ]);
  });

  it('keeps unmapped columns of an events table as properties, numbers as numbers', () => {
    const out = tableToMessages('events', ['event', 'anonymous_id', 'time', 'plan', 'seats'], [{ line: 2, fields: ['Signed Up', 'd1', '1980-01-01', 'pro', '3'] }]);
    expect(out.messages[0]!.message).toEqual({ type: 'track', event: 'Signed Up', anonymousId: 'd1', timestamp: '1980-01-01T00:00:00.000Z', properties: { plan: 'pro', seats: 3 } });
    expect(() => tableToMessages('events', ['event', 'when'], [])).toThrow(/events need a time column/);
  });
});
