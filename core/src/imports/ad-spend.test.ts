import { describe, expect, it } from 'vitest';
import { adSpendRows } from './ad-spend';

const header = ['date', 'platform', 'campaign', 'impressions', 'clicks', 'spend', 'conversions'];
const rows = (lines: string[]) => lines.map((text, i) => ({ line: i + 2, fields: text.split(',') }));
const now = Date.parse('2026-06-30T12:00:00Z');

describe('ad spend validation: a conversion before its touch', () => {
  it('rejects conversions dated before the first impression or click of their campaign, and in a campaign never touched', () => {
    const out = adSpendRows(
      header,
      rows([
        '2026-06-01,google,spring,0,0,5,2', // before spring's first touch (06-02)
        '2026-06-02,google,spring,1000,40,50,3',
        '2026-06-03,google,spring,900,30,45,1',
        '2026-06-01,google,autumn,0,0,0,4', // autumn has no impression or click at all
        '2026-06-02,google,autumn,0,0,1,0',
        '2026-06-01,meta,spring,500,0,20,1', // an impression is a touch (view-through)
      ]),
      {},
      { importId: 'i', now },
    );
    expect(out.rejected.map((r) => [r.line, r.field, r.reason])).toEqual([
      [2, 'conversions (conversions)', '2 conversions on 2026-06-01, before the first impression or click of google / spring / - (2026-06-02)'],
      [5, 'conversions (conversions)', '4 conversions on 2026-06-01, but google / autumn / - has no impression or click in the file'],
    ]);
    expect(out.rows.map((r) => r.line)).toEqual([3, 4, 6, 7]);
  });

  it('keeps conversions of campaigns whose rows report neither impressions nor clicks (nothing to judge by)', () => {
    const out = adSpendRows(['date', 'campaign', 'spend', 'conversions'], rows(['2026-06-01,c,10,5', '2026-06-02,c,10,0']), {}, { importId: 'i', now });
    expect(out.rejected).toEqual([]);
    expect(out.rows).toHaveLength(2);
  });
});
