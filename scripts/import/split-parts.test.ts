import { describe, expect, it } from 'vitest';
import { parseCsv } from '@privacy-analytics/core/imports';
import { parseImportArgs, UsageError } from './args';
import { splitIntoParts } from './split-parts';

const ORDERS = [
  'order_id,member_id,order_date,sku,qty',
  'A,m1,2026-01-01,s1,1',
  'A,m1,2026-01-01,s2,1',
  'A,m1,2026-01-01,s3,1',
  'B,m2,2026-01-02,s1,1',
  '"C","m,3",2026-01-03,"multi',
  'line",1',
  'D,m4,2026-01-04,s1,1',
].join('\n');

describe('splitIntoParts', () => {
  it('cuts between orders, never inside one, with the header on every part and lines mapped back to the file', () => {
    const parts = splitIntoParts(ORDERS, 'orders', {}, { bytes: 1_000_000, rows: 2 });
    const ordersOf = (text: string) => parseCsv(text, 'part').slice(1).map((r) => r.fields[0]);
    expect(parts.map((p) => ordersOf(p.text))).toEqual([['A', 'A', 'A'], ['B', 'C'], ['D']]);
    for (const part of parts) expect(part.text.startsWith('order_id,member_id,order_date,sku,qty\n')).toBe(true);
    // Part 2: B on its line 2 is the file's line 5; C (two lines in the file) starts on the file's line 6.
    expect([parts[1]!.lineOf(2), parts[1]!.lineOf(3)]).toEqual([5, 6]);
    expect(parts[2]!.lineOf(2)).toBe(8);
    const c = parseCsv(parts[1]!.text, 'part')[2]!;
    expect(c.fields).toEqual(['C', 'm,3', '2026-01-03', 'multi\nline', '1']);
  });

  it('cuts NDJSON by lines', () => {
    const text = ['{"a":1}', '', '{"a":2}', '{"a":3}'].join('\n');
    const parts = splitIntoParts(text, 'customers', {}, { bytes: 1_000_000, rows: 2 });
    expect(parts.map((p) => p.rows)).toEqual([2, 1]);
    expect(parts[0]!.lineOf(2)).toBe(3);
    expect(parts[1]!.lineOf(1)).toBe(4);
  });
});

describe('parseImportArgs', () => {
  it('defaults to the local demo and refuses what the edge would', () => {
    expect(parseImportArgs(['orders', '--file', 'x.csv'])).toMatchObject({ kind: 'orders', file: 'x.csv', edge: 'http://127.0.0.1:8787', site: 'demo', mapping: null });
    expect(parseImportArgs(['ad_spend', '--file=x.csv', '--mapping', 'spend=Cost'], { EDGE_URL: 'https://edge.example/' })).toMatchObject({ edge: 'https://edge.example', mapping: 'spend=Cost' });
    expect(() => parseImportArgs(['orders'])).toThrow(UsageError);
    expect(() => parseImportArgs(['refunds', '--file', 'x'])).toThrow(/kind must be one of/);
    expect(() => parseImportArgs(['orders', '--file', 'x', '--import-id', 'a/b'])).toThrow(/import id/);
    expect(() => parseImportArgs(['orders', '--file', 'x', '--max-rejected-share', '2'])).toThrow(/0 to 1/);
  });
});
