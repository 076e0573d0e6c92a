import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './args';

describe('parseArgs', () => {
  it('parses arguments and reports precise errors', () => {
    expect(parseArgs(['--events', '100000', '--seed=42', '--days', '30', '--start', '2026-10-24', '--out', 'data/demo.ndjson'])).toEqual({
      events: 100_000,
      seed: 42,
      days: 30,
      start: new Date('2026-10-24T00:00:00Z'),
      site: 'shop.example.com',
      writeKey: 'demo-write-key',
      out: 'data/demo.ndjson',
    });
    expect(parseArgs([])).toEqual({ events: 100_000, seed: 42, days: 30, start: new Date('2026-10-24T00:00:00Z'), site: 'shop.example.com', writeKey: 'demo-write-key' });
    expect(parseArgs(['--send', 'http://127.0.0.1:8787/', '--parquet', 'lake'])).toMatchObject({ send: 'http://127.0.0.1:8787', parquet: 'lake' });
    expect(parseArgs(['--help'])).toBe('help');
    const err = (argv: string[]) => {
      try {
        parseArgs(argv);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err(['--send', 'ftp://x'])).toBe('--send must be a collector origin such as http://127.0.0.1:8787, got "ftp://x"');
    expect(err(['--events', 'abc'])).toBe('--events must be an integer between 1000 and 10000000, got "abc"');
    expect(err(['--events', '1e6'])).toBe('--events must be an integer between 1000 and 10000000, got "1e6"');
    expect(err(['--events', '10000001'])).toBe('--events must be an integer between 1000 and 10000000, got "10000001"');
    expect(err(['--seed', '-3'])).toBe('--seed must be a non-negative integer, got "-3"');
    expect(err(['--days', '0'])).toBe('--days must be an integer between 1 and 3660, got "0"');
    expect(err(['--start', '2026-02-30'])).toMatch(/^--start must be a date like 2026-10-24 .*, got "2026-02-30"$/);
    expect(err(['--events'])).toBe('--events needs a value');
    expect(err(['--bogus', '1'])).toBe('unknown option --bogus');
    expect(err(['--seed', '1', '--seed', '2'])).toBe('--seed given more than once');
    expect(err(['stray'])).toMatch(/^unexpected argument "stray"/);
  });
});
