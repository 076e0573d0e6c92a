import { describe, expect, it } from 'vitest';
import { planCompaction, type CompactionOptions } from '../../src/lifecycle/compaction-plan';
import type { RegisteredFile } from '../../src/storage/file-manifest';

const OPTIONS: CompactionOptions = { partMaxRows: 100, hourSettleMs: 10 * 60_000, daySettleMs: 60 * 60_000 };
let seq = 0;

function file(date: string, hour: number | null, rows: number, minute = 0): RegisteredFile {
  seq++;
  const time = `${date}T${String(hour ?? 0).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00.000Z`;
  const key = hour === null ? `events/site=s/date=${date}/c${seq}.parquet` : `events/site=s/date=${date}/hour=${String(hour).padStart(2, '0')}/s0-f${seq}.parquet`;
  return { key, date, hour, bytes: rows * 50, rows, minTime: time, maxTime: time, etag: `"${seq}"`, sha256: null, createdAt: time, seq };
}

const keys = (tasks: ReturnType<typeof planCompaction>) => tasks.map((t) => ({ hour: t.hour, inputs: t.inputs.map((f) => f.key) }));

describe('planCompaction', () => {
  it('merges a finished day into day-level parts of at most partMaxRows, in time order', () => {
    const files = [file('2026-11-01', 3, 40), file('2026-11-01', 1, 30, 5), file('2026-11-01', 1, 30, 1), file('2026-11-01', 20, 50), file('2026-11-01', 22, 20)];
    const tasks = planCompaction('2026-11-01', files, Date.parse('2026-11-02T01:00:00Z'), OPTIONS);
    expect(keys(tasks)).toEqual([
      { hour: null, inputs: [files[2]!.key, files[1]!.key, files[0]!.key] },
      { hour: null, inputs: [files[3]!.key, files[4]!.key] },
    ]);
  });

  it('waits for the day to settle, and meanwhile merges each finished hour into hour-level files', () => {
    const files = [file('2026-11-01', 22, 10), file('2026-11-01', 22, 10), file('2026-11-01', 23, 10), file('2026-11-01', 23, 10)];
    expect(keys(planCompaction('2026-11-01', files, Date.parse('2026-11-01T23:09:00Z'), OPTIONS))).toEqual([]);
    expect(keys(planCompaction('2026-11-01', files, Date.parse('2026-11-01T23:10:00Z'), OPTIONS))).toEqual([{ hour: 22, inputs: [files[0]!.key, files[1]!.key] }]);
    expect(keys(planCompaction('2026-11-02', [], Date.parse('2026-11-02T05:00:00Z'), OPTIONS))).toEqual([]);
    const dayTasks = planCompaction('2026-11-01', files, Date.parse('2026-11-02T00:59:59Z'), OPTIONS);
    expect(dayTasks.map((t) => t.hour)).toEqual([22, 23]);
    expect(planCompaction('2026-11-01', files, Date.parse('2026-11-02T01:00:00Z'), OPTIONS).map((t) => t.hour)).toEqual([null]);
  });

  it('leaves alone what merging would only copy: a lone file, full parts', () => {
    expect(planCompaction('2026-11-01', [file('2026-11-01', 5, 10)], Date.parse('2026-11-03T00:00:00Z'), OPTIONS)).toEqual([]);
    const full = [file('2026-11-01', null, 90), file('2026-11-01', null, 95)];
    expect(planCompaction('2026-11-01', full, Date.parse('2026-11-03T00:00:00Z'), OPTIONS)).toEqual([]);
    expect(planCompaction('2026-11-01', [...full, file('2026-11-01', 4, 5)], Date.parse('2026-11-03T00:00:00Z'), OPTIONS)).toEqual([]);
  });

  it('folds late files into a small day-level part', () => {
    const small = file('2026-11-01', null, 30);
    const late = file('2026-11-01', 7, 5);
    expect(keys(planCompaction('2026-11-01', [file('2026-11-01', null, 95), small, late], Date.parse('2026-11-05T00:00:00Z'), OPTIONS))).toEqual([
      { hour: null, inputs: [small.key, late.key] },
    ]);
  });

  it("merges a flush's day-level files of late events like hour-level ones, whatever their size", () => {
    const flushFile = (rows: number, seq: number): RegisteredFile => ({ ...file('2026-11-01', null, rows, seq), key: `events/site=s/date=2026-11-01/s1-f${seq}.parquet` });
    const late = [flushFile(60, 1), flushFile(30, 2), flushFile(5, 3)];
    expect(keys(planCompaction('2026-11-01', late, Date.parse('2026-11-05T00:00:00Z'), OPTIONS)).map((t) => t.inputs.length).reduce((a, b) => a + b, 0)).toBe(3);
    // one alone is left as it is
    expect(planCompaction('2026-11-01', [flushFile(60, 1), file('2026-11-01', null, 95)], Date.parse('2026-11-05T00:00:00Z'), OPTIONS)).toEqual([]);
  });
});
