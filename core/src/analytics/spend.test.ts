import { describe, expect, it } from 'vitest';
import { economics, parseSpendCsv, SpendCsvError, summariseSpend } from './spend';
import { timeBounds } from './sql';

describe('spend CSV', () => {
  it('reads channel, spend and date columns in any order and case, with quotes and CRLF', () => {
    const text = '\ufeffDate,Campaign,"Channel",Cost\r\n2024-01-01,"Spring, ""big"" sale",email,120.50\r\n2024-01-02,x,paid_search,1e3\r\n\r\n2023-12-31,x,email,7\r\n';
    const rows = parseSpendCsv(text, 'spend.csv');
    expect(rows).toEqual([
      { line: 2, date: '2024-01-01', channel: 'email', spend: 120.5 },
      { line: 3, date: '2024-01-02', channel: 'paid_search', spend: 1000 },
      { line: 5, date: '2023-12-31', channel: 'email', spend: 7 },
    ]);
    const summary = summariseSpend(rows, timeBounds('2024-01-01', '2024-01-31'));
    expect(summary).toEqual({ byChannel: new Map([['email', 120.5], ['paid_search', 1000]]), total: 1120.5, rowsUsed: 2, rowsOutsideRange: 1 });
    expect(summariseSpend(parseSpendCsv('channel,spend\nemail,5\nemail,6\n'), timeBounds()).byChannel).toEqual(new Map([['email', 11]]));
  });

  it('names the line, column and value of every error', () => {
    const bad = (text: string) => () => parseSpendCsv(text, 'spend.csv');
    expect(bad('date,channel,spend\n2024-01-01,email,12\n2024-01-02,social,12,5\n')).toThrow('spend.csv line 3: expected 3 fields as in the header, got 4');
    expect(bad('date,channel,spend\n2024-01-01,email,12\n2024-01-02,social,1 200\n')).toThrow('spend.csv line 3, column 3 (spend): expected a non-negative number such as 1250.50, got "1 200"');
    expect(bad('date,channel,spend\n2024-01-01,email,-4\n')).toThrow('spend.csv line 2, column 3 (spend): expected a non-negative number such as 1250.50, got "-4"');
    expect(bad('date,channel,spend\n2024-02-30,email,4\n')).toThrow('spend.csv line 2, column 1 (date): expected a date YYYY-MM-DD, got "2024-02-30"');
    expect(bad('date,channel,spend\n2024-02-01,,4\n')).toThrow('spend.csv line 2, column 2 (channel): empty channel');
    expect(bad('date,source,amount\n2024-02-01,"email,4\n')).toThrow('spend.csv line 2, column 2: unterminated quoted field');
    expect(bad('day,medium,value\n')).toThrow('spend.csv line 1: the header needs a "channel" and a "spend" (or "cost") column; got "day,medium,value"');
    expect(bad('')).toThrow(SpendCsvError);
  });

  it('computes CPA, ROAS and ROI', () => {
    expect(economics(100, 4, 250, 1)).toEqual({ spend: 100, cpa: 25, roas: 2.5, roi: 2.5 });
    expect(economics(100, 4, 250, 0.3)).toEqual({ spend: 100, cpa: 25, roas: 2.5, roi: 0.75 });
    expect(economics(0, 0, 10, 1)).toEqual({ spend: 0, cpa: null, roas: null, roi: null });
  });
});
