import { describe, expect, it } from 'vitest';
import { dayFileKey, parseEventFileKey } from '../parquet/partition-key';
import { EVENT_FILE_KEY } from '../edge-api/wire-schemas';
import { adSpendTableKey, importEventFileName, importIdProblem, importOfEventKey, manifestKindOf, parseAdSpendTableKey } from './import-files';

describe('import file keys', () => {
  it('are event file keys every reader knows, recognised as imports after erasure rewrites too', () => {
    const key = dayFileKey('shop', '1997-01-01', importEventFileName('orders', 'sha-0123456789abcdef0123456789abcdef'));
    expect(EVENT_FILE_KEY.test(key)).toBe(true);
    expect(parseEventFileKey(key)).toMatchObject({ site: 'shop', date: '1997-01-01', hour: null });
    expect(importOfEventKey(key)).toEqual({ kind: 'orders', importId: 'sha-0123456789abcdef0123456789abcdef' });
    expect(importOfEventKey(key.replace('.parquet', '-e0badf00d.parquet'))).toEqual({ kind: 'orders', importId: 'sha-0123456789abcdef0123456789abcdef' });
    expect(importOfEventKey('events/site=shop/date=2026-01-01/hour=03/s0-f000001.parquet')).toBeNull();
    expect(manifestKindOf('events/site=shop/date=2026-01-01/imp.customers.crm-1.parquet')).toBe('import:customers');
    expect(manifestKindOf('events/site=shop/date=2026-01-01/c20260102-ab12cd34.parquet')).toBe('events');
  });

  it('ad-spend tables live outside events/', () => {
    const key = adSpendTableKey('shop', '2026-03-01', 'ads-march');
    expect(EVENT_FILE_KEY.test(key)).toBe(false);
    expect(parseAdSpendTableKey(key)).toEqual({ site: 'shop', date: '2026-03-01', importId: 'ads-march' });
  });

  it('import ids: letters, digits, _ and -, not ending like a rewritten file', () => {
    expect(importIdProblem('pos-2026_w1')).toBeNull();
    expect(importIdProblem('a/b')).toMatch(/letters, digits/);
    expect(importIdProblem('x'.repeat(65))).toMatch(/1 to 64/);
    expect(importIdProblem('pos-e0badf00d')).toMatch(/-e and 8 hex/);
  });
});
