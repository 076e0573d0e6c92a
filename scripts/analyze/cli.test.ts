import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli';
import { encodeRows } from '@privacy-analytics/core/connectors/node';
import { track } from '@privacy-analytics/core/testing';

let dir: string;
const message = (fields: Record<string, unknown>) => JSON.stringify({ type: 'track', timestamp: '2024-01-01T00:00:00Z', ...fields });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pa-cli-'));
  writeFileSync(
    join(dir, 'events.ndjson'),
    [
      message({ event: 'Signed Up', anonymousId: 'anon-1', messageId: 'm1', properties: { plan: 'pro' } }),
      JSON.stringify({ type: 'identify', userId: 'alice', anonymousId: 'anon-1', timestamp: '2024-01-01T00:00:30Z', messageId: 'm2' }),
      message({ event: 'Order Completed', userId: 'alice', timestamp: '2024-01-01T00:10:00Z', messageId: 'm3', properties: { revenue: 20, order_id: 'o1' } }),
      message({ event: 'Signed Up', userId: 'bob', messageId: 'm4', properties: { plan: 'free' } }),
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'flagged.ndjson'),
    [
      message({ event: 'Signed Up', anonymousId: 'anon-1', messageId: 'm1', properties: { plan: 'pro' } }),
      JSON.stringify({ type: 'identify', userId: 'alice', anonymousId: 'anon-1', timestamp: '2024-01-01T00:00:30Z', messageId: 'm2' }),
      message({ event: 'Order Completed', userId: 'alice', timestamp: '2024-01-01T00:10:00Z', messageId: 'm3', properties: { revenue: 20, order_id: 'o1' } }),
      message({ event: 'Signed Up', userId: 'bob', messageId: 'm4', properties: { plan: 'free' } }),
      // a revenue that is no number: the edge's normaliser drops it and flags the row invalid_number
      message({ event: 'Order Completed', userId: 'carol', timestamp: '2024-01-01T00:20:00Z', messageId: 'm5', properties: { revenue: 'twelve', order_id: 'o2' } }),
      message({ event: 'Signed Up', userId: 'dave', timestamp: '2024-01-05T00:00:00Z', messageId: 'm6' }),
    ].join('\n'),
  );
  writeFileSync(join(dir, 'bad.ndjson'), [message({ event: 'Signed Up', userId: 'carol' }), '{not json', message({ event: '', userId: 'x' }), message({ event: 'Orphan' })].join('\n'));
  // The edge's Hive layout: site=/date=/hour=/part.parquet
  const hive = join(dir, 'lake', 'site=demo', 'date=2024-01-01', 'hour=00');
  mkdirSync(hive, { recursive: true });
  writeFileSync(join(hive, 'part-1.parquet'), encodeRows([track('u1', 'Signed Up', '2024-01-01T00:00:00Z'), track('u1', 'Order Completed', '2024-01-01T00:05:00Z', { revenue: 10, order_id: 'a' })]));
  const later = join(dir, 'lake', 'site=demo', 'date=2024-01-02', 'hour=10');
  mkdirSync(later, { recursive: true });
  writeFileSync(join(later, 'part-1.parquet'), encodeRows([track('u2', 'Signed Up', '2024-01-02T10:00:00Z')]));
  writeFileSync(join(dir, 'broken.parquet'), 'PAR1 this is not parquet');
  writeFileSync(join(dir, 'funnel.json'), JSON.stringify({ steps: [{ event: 'Signed Up' }, { event: 'Order Completed' }] }));
  writeFileSync(join(dir, 'bad-spec.json'), '{"steps": [');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('analyze CLI', () => {
  it('runs a funnel over NDJSON, merging the identified anonymous id, and prints JSON', async () => {
    const { code, out, err } = await cli('funnel', '--input', join(dir, 'events.ndjson'), '--spec', join(dir, 'funnel.json'), '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.steps.map((s: { count: number }) => s.count)).toEqual([2, 1]);
    expect(result.steps[1].medianTimeToConvertSeconds).toBe(600);
  });

  it('states the basis of every result: in --json, and as one line above the tables', async () => {
    const input = join(dir, 'flagged.ndjson');
    const spec = { steps: [{ event: 'Signed Up' }, { event: 'Order Completed' }], from: '2024-01-01', to: '2024-01-01' };
    const json = await cli('funnel', '--input', input, '--spec', JSON.stringify(spec), '--json');
    expect(json.code).toBe(0);
    const { basis } = JSON.parse(json.out);
    expect(basis).toEqual({
      range: { from: '2024-01-01T00:00:00.000Z', to: '2024-01-01T23:59:59.999Z' },
      identity: 'merged',
      includeFlagged: false,
      events: { loaded: 6, considered: 4, flagged: 1, excluded: { outOfRange: 1, flagged: 1 } },
      persons: { loaded: 4, considered: 2, flagged: 1, excluded: { outOfRange: 1, flagged: 1 }, unlinked: 0, visitors: 3 },
    });
    const included = JSON.parse((await cli('funnel', '--input', input, '--spec', JSON.stringify({ ...spec, includeFlagged: true }), '--json')).out);
    expect(included.basis.events).toEqual({ loaded: 6, considered: 5, flagged: 1, excluded: { outOfRange: 1, flagged: 0 } });
    expect(included.steps.map((s: { count: number }) => s.count)).toEqual([2, 1]);

    const table = await cli('funnel', '--input', input, '--spec', JSON.stringify(spec));
    expect(table.out).toContain('\nbasis: 2024-01-01 to 2024-01-01 (UTC): 4 of 6 loaded events (left out: 1 outside the range, 1 flagged as invalid). 2 persons');
    const marketing = await cli('basket', '--input', input, '--spec', '{"minSupport":0.5}', '--json');
    expect(marketing.code).toBe(0);
    expect(JSON.parse(marketing.out).basis.orders).toEqual({ loaded: 2, considered: 1, flagged: 1, excluded: { outOfRange: 0, flagged: 1 }, events: ['Order Completed'] });
    expect((await cli('basket', '--input', input, '--spec', '{"minSupport":0.5}')).out).toMatch(/\nbasis: all loaded data: 5 of 6 loaded events \(left out: 1 flagged as invalid\)\. .* 1 order \(Order Completed\) of 2/);
  });

  it('prints the most common whole paths in the paths table', async () => {
    const { code, out } = await cli('paths', '--input', join(dir, 'events.ndjson'), '--spec', '{"start":{"event":"Signed Up"}}');
    expect(code).toBe(0);
    expect(out).toMatch(/most common paths\n#\s+path\s+persons\s+share/);
    expect(out).toMatch(/1\s+Signed Up/);
  });

  it('reads Parquet directories in Hive layout recursively, on both engines, and prints tables', async () => {
    for (const engine of ['wasm', 'native']) {
      const { code, out } = await cli('rfm', '--input', join(dir, 'lake'), '--spec', '{}', '--engine', engine);
      expect(code).toBe(0);
      expect(out).toContain(`rfm on 3 events (${engine}), 2 persons`);
      expect(out).toMatch(/champions\s+0/);
    }
  });

  it('fails bad NDJSON lines with file:line and reason, unless --skip-bad-lines', async () => {
    const bad = join(dir, 'bad.ndjson');
    const failed = await cli('funnel', '--input', bad, '--spec', join(dir, 'funnel.json'));
    expect(failed.code).toBe(2);
    expect(failed.err).toContain('3 bad lines in NDJSON / CSV input');
    expect(failed.err).toContain(`${bad}:2: invalid JSON`);
    expect(failed.err).toContain(`${bad}:3: not a Segment message: event: `);
    expect(failed.err).toContain(`${bad}:4: missing_id: anonymousId or userId is required`);
    expect(failed.err).not.toMatch(/\n\s+at /);
    const skipped = await cli('funnel', '--input', bad, '--spec', join(dir, 'funnel.json'), '--skip-bad-lines', '--json');
    expect(skipped.code).toBe(0);
    expect(skipped.err).toContain('skipped 3 bad line(s)');
    expect(JSON.parse(skipped.out).steps[0].count).toBe(1);
  });

  it('gives precise messages and exit code 2 for bad specs, inputs and usage', async () => {
    const input = join(dir, 'events.ndjson');
    const cases: [string[], RegExp][] = [
      [[], /missing analysis[\s\S]*usage: npm run analyze/],
      [['cohorts', '--input', input, '--spec', '{}'], /unknown analysis "cohorts"; expected one of funnel, retention, paths, segment, rfm/],
      [['funnel', '--spec', '{}'], /give at least one --input <path>/],
      [['funnel', '--input', input], /give --spec <spec.json>/],
      [['funnel', '--input', input, '--spec', '{}', '--engine', 'gpu'], /--engine must be wasm or native, got "gpu"/],
      [['funnel', '--input', input, '--spec', '{"steps":[{"event":"a"}]}'], /^analyze: inline spec: spec\.steps: a funnel needs at least 2 steps/],
      [['funnel', '--input', input, '--spec', join(dir, 'bad-spec.json')], /bad-spec\.json: invalid JSON/],
      [['funnel', '--input', input, '--spec', join(dir, 'missing.json')], /missing\.json: cannot read the spec file/],
      [['retention', '--input', input, '--spec', '{"startEvent":{"event":"a"},"returnEvent":{"event":"b"},"period":"year"}'], /spec\.period: expected one of day, week, month; got "year"/],
      [['funnel', '--input', join(dir, 'nope.parquet'), '--spec', join(dir, 'funnel.json')], /nope\.parquet: no such file or directory/],
      [['funnel', '--input', join(dir, 'funnel.json.txt'), '--spec', join(dir, 'funnel.json')], /no such file/],
      [['funnel', '--input', join(dir, 'broken.parquet'), '--spec', join(dir, 'funnel.json')], /broken\.parquet: not a readable Parquet file/],
    ];
    for (const [argv, expected] of cases) {
      const { code, err } = await cli(...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(err, argv.join(' ')).toMatch(expected);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });

  it('runs as npm run analyze with a non-zero exit and no stack trace on errors', () => {
    const ok = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/analyze.ts', 'paths', '--input', join(dir, 'events.ndjson'), '--spec', '{"start":{"event":"Signed Up"}}', '--json'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).persons).toBe(2);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/analyze.ts', 'segment', '--input', join(dir, 'events.ndjson'), '--spec', '{"condition":{"type":"tag","tag":"vip","op":"eq","value":1}}'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^analyze: inline spec: spec\.condition/m);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
