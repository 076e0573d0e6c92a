import { describe, expect, it } from 'vitest';
import { columnsOf, toCsv } from './sql-console.svelte.ts';

describe('CSV export', () => {
  it('quotes separators, quotes and newlines, writes NULL as empty and dates as ISO', () => {
    const rows = [
      { a: 'x,y', b: 'say "hi"', c: null, d: new Date('2026-01-02T03:04:05Z'), e: 12n },
      { a: 'line\nbreak', b: 1.5, c: -3, d: undefined, e: 0 },
    ];
    expect(toCsv(columnsOf(rows), rows)).toBe('a,b,c,d,e\r\n"x,y","say ""hi""",,2026-01-02T03:04:05.000Z,12\r\n"line\nbreak",1.5,-3,,0\r\n');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    const rows = [{ v: '=HYPERLINK("x")' }, { v: '+1' }, { v: '@SUM(A1)' }, { v: '-x' }, { v: '-12' }];
    expect(toCsv(['v'], rows).split('\r\n').slice(1, 6)).toEqual(['"\'=HYPERLINK(""x"")"', "'+1", "'@SUM(A1)", "'-x", '-12']);
  });
});
