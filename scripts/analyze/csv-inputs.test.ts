import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli';

let dir: string;

// CDNOW's master file as CSV (customer, date as YYYYMMDD, quantity, amount): 1997-1998 purchases, one row each.
const CDNOW = `customer_id,date,quantity,amount
00001,19970101,1,11.77
00002,19970112,1,12.00
00002,19970112,5,77.00
00003,19970102,2,20.76
00003,19970330,2,20.76
00003,19970402,2,19.54
00003,19971115,5,57.45
00003,19971125,4,20.96
00003,19980528,1,16.99
00004,19970101,2,29.33
`;
// UCI Online Retail's layout: one row per order line, month-first dates, a cancellation and a line without customer.
const RETAIL = `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850,United Kingdom
C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom
536414,22139,"RETROSPOT TEA SET, CERAMIC",56,12/1/2010 11:52,0,,United Kingdom
536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,12/1/2010 8:34,1.69,13047,United Kingdom
536368,85123A,WHITE HANGING HEART T-LIGHT HOLDER,2,12/2/2010 9:00,2.55,13047,United Kingdom
536368,71053,WHITE METAL LANTERN,1,12/2/2010 9:00,3.39,13047,United Kingdom
`;

function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) }).then((code) => ({ code, out: out.join(''), err: err.join('') }));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pa-csv-'));
  writeFileSync(join(dir, 'cdnow.csv'), CDNOW);
  writeFileSync(join(dir, 'retail.csv.gz'), gzipSync(RETAIL));
  writeFileSync(join(dir, 'events.tsv'), 'when\taction\tmember\tplan\n1995-03-01\tSigned Up\tm1\tpro\n1995-03-04 10:00\tOrder Completed\tm1\t\n03/02/1995\tSigned Up\tm2\tfree\n');
  writeFileSync(join(dir, 'odd.csv'), 'who,when,paid\na,2020-01-01,5\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CSV inputs of past data', () => {
  it('reads CDNOW-style orders from 1997 and scores RFM on them as of the last order', async () => {
    const { code, out, err } = await run(['rfm', '--input', join(dir, 'cdnow.csv'), '--spec', '{}', '--json']);
    expect(err).toContain('orders, 10 rows -> 10 orders; columns user=customer_id, time=date, quantity=quantity, revenue=amount');
    expect(code).toBe(0);
    const result = JSON.parse(out) as { asOf: string; persons: { person: string; recencyDays: number; frequency: number; monetary: number }[] };
    expect(result.asOf).toBe('1998-05-28');
    const byPerson = Object.fromEntries(result.persons.map((p) => [p.person, p]));
    expect(byPerson['00003']).toMatchObject({ recencyDays: 0, frequency: 6 });
    expect(byPerson['00003']!.monetary).toBeCloseTo(156.46, 6);
    // two purchases of 00002 on the same day stay two orders: the file has no order id
    expect(byPerson['00002']).toMatchObject({ recencyDays: 501, frequency: 2, monetary: 89 });
    expect(byPerson['00001']).toMatchObject({ recencyDays: 512, frequency: 1 });
  });

  it('reports customer value of 1997 on CDNOW orders: CSV rows are offline (imported) orders', async () => {
    const spec = (origin: string) => JSON.stringify({ from: '1997-01-01', to: '1997-12-31', origin });
    const offline = await run(['customer-value', '--input', join(dir, 'cdnow.csv'), '--spec', spec('offline'), '--json']);
    expect(offline.code).toBe(0);
    const result = JSON.parse(offline.out);
    // 1997: 00001 one order, 00002 two, 00003 five (the 1998 one is outside), 00004 one; every one a first purchase
    expect(result).toMatchObject({ asOf: '1998-05-28', persons: 4, customers: 4, orders: 9, repeatCustomers: 2, repurchaseRate: 0.5, firstTimeBuyers: 4, firstPurchaseRate: 1 });
    expect(result.revenue).toBeCloseTo(269.57, 6);
    expect(result.historicalClv).toBeCloseTo(269.57 / 4, 6);
    expect(result.predictiveClv).toBeCloseTo((269.57 / 4) * 2, 6);
    const online = JSON.parse((await run(['customer-value', '--input', join(dir, 'cdnow.csv'), '--spec', spec('online'), '--json'])).out);
    expect(online).toMatchObject({ persons: 0, customers: 0, historicalClv: null });
    const text = await run(['customer-value', '--input', join(dir, 'cdnow.csv'), '--spec', spec('all')]);
    expect(text.out).toMatch(/repurchase rate \(2\+ orders\)\s+50\.0%\s+2 customers/);
  });

  it('groups order lines by invoice (gzip), lists each rejected line with its field and reason, and refuses without --skip-bad-lines', async () => {
    const refused = await run(['basket', '--input', join(dir, 'retail.csv.gz'), '--spec', '{"minSupport":0.1}']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('retail.csv.gz:5: quantity (Quantity): -1 is negative');
    expect(refused.err).toContain('retail.csv.gz:6: user (CustomerID): empty');
    const { code, out } = await run(['basket', '--input', join(dir, 'retail.csv.gz'), '--spec', '{"minSupport":0.1,"minConfidence":0.5}', '--skip-bad-lines', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(out) as { baskets: number; rules: { antecedent: string[]; consequent: string[]; count: number; confidence: number }[] };
    expect(result.baskets).toBe(4);
    const rule = result.rules.find((r) => r.antecedent.join() === '71053' && r.consequent.join() === '85123A');
    expect(rule).toMatchObject({ count: 2, confidence: 1 });
  });

  it('reads a TSV of events from 1995 with a mapping given for the columns the suggestion misses, day-first dates', async () => {
    const { code, out, err } = await run(['funnel', '--input', join(dir, 'events.tsv'), '--csv-map', 'event=action,user=member,time=when', '--day-first', '--spec', '{"steps":[{"event":"Signed Up"},{"event":"Order Completed"}]}', '--json']);
    expect(err).toContain('events, 3 rows -> 3 events');
    expect(code).toBe(0);
    const result = JSON.parse(out) as { steps: { count: number }[] };
    expect(result.steps.map((s) => s.count)).toEqual([2, 1]);
  });

  it('names the missing field and the header when no column fits', async () => {
    const { code, err } = await run(['rfm', '--input', join(dir, 'odd.csv'), '--spec', '{}']);
    expect(code).toBe(2);
    expect(err).toContain('orders need a user column and a time column');
    expect(err).toContain("header's columns (who, when, paid)");
    const mapped = await run(['rfm', '--input', join(dir, 'odd.csv'), '--csv-map', 'user=who,time=when,revenue=paid', '--spec', '{}']);
    expect(mapped.code).toBe(0);
    const unknown = await run(['rfm', '--input', join(dir, 'odd.csv'), '--csv-map', 'customer=who', '--spec', '{}']);
    expect(unknown.err).toContain('"customer" is not a field of orders');
  });
});
