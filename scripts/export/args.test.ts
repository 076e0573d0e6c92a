import { describe, expect, it } from 'vitest';
import { DEFAULT_EDGE, DEFAULT_TOKEN, parseExportArgs, UsageError } from './args';

const base = ['--site', 'demo', '--from', '2026-11-01', '--to', '2026-11-30', '--out', 'exports/demo'];

describe('parseExportArgs', () => {
  it('reads the options, with local defaults for edge and token', () => {
    expect(parseExportArgs(base)).toEqual({ site: 'demo', from: '2026-11-01', to: '2026-11-30', out: 'exports/demo', edge: DEFAULT_EDGE, token: DEFAULT_TOKEN, concurrency: 4, pageSize: null });
    expect(parseExportArgs([...base, '--page-size', '500'])).toMatchObject({ pageSize: 500 });
    expect(parseExportArgs([...base, '--edge=https://edge.example.com/', '--token', 'pat.demo.x.y'], {})).toMatchObject({ edge: 'https://edge.example.com', token: 'pat.demo.x.y' });
    expect(parseExportArgs(base, { EDGE_URL: 'https://e.example', ANALYTICS_TOKEN: 'from-environment' })).toMatchObject({ edge: 'https://e.example', token: 'from-environment' });
    expect(parseExportArgs(['--help'])).toBe('help');
  });

  it.each([
    [['--site', 'demo', '--from', 'x', '--to', '2026-11-30', '--out', 'd'], '--from must be YYYY-MM-DD, got "x"'],
    [['--site', 'demo', '--from', '2026-02-30', '--to', '2026-11-30', '--out', 'd'], '--from must be YYYY-MM-DD, got "2026-02-30"'],
    [['--site', 'demo', '--from', '2026-12-01', '--to', '2026-11-30', '--out', 'd'], '--from (2026-12-01) is after --to (2026-11-30)'],
    [['--from', '2026-11-01', '--to', '2026-11-30', '--out', 'd'], '--site is required'],
    [['--site', 'Demo!', '--from', '2026-11-01', '--to', '2026-11-30', '--out', 'd'], '--site must be a site id (a-z, 0-9, _ and -), got "Demo!"'],
    [[...base, '--edge', 'ftp://x'], '--edge must be an origin such as http://127.0.0.1:8787, got "ftp://x"'],
    [[...base, '--concurrency', '0'], '--concurrency must be an integer from 1 to 16, got "0"'],
    [[...base, '--page-size', '20001'], '--page-size must be an integer from 1 to 20000, got "20001"'],
    [[...base, '--site', 'again'], '--site given more than once'],
    [[...base, '--verbose', 'yes'], 'unknown option --verbose'],
    [[...base, 'extra'], 'unexpected argument "extra" (options look like --site demo)'],
    [['--site'], '--site needs a value'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseExportArgs(argv)).toThrow(new UsageError(message));
  });
});
