import { describe, expect, it } from 'vitest';
import type { OverviewSpec } from './overview';
import { seriesFromFileIndex, seriesTotal, type FileSpan } from './series-from-index';

const spec = (over: Partial<OverviewSpec> = {}): OverviewSpec => ({ from: '2026-03-02', to: '2026-03-03', filters: [], granularity: 'day', ...over });
const file = (rows: number, minTime: string, maxTime: string): FileSpan => ({ rows, minTime, maxTime });

describe('seriesFromFileIndex', () => {
  const hourly = [
    file(10, '2026-03-02T00:00:00.000Z', '2026-03-02T00:59:59.999Z'),
    file(5, '2026-03-02T13:05:00.000Z', '2026-03-02T13:06:00.000Z'),
    file(7, '2026-03-03T23:00:00.000Z', '2026-03-03T23:59:59.999Z'),
  ];

  it('adds the rows of the files in each bucket and fills empty buckets', () => {
    expect(seriesFromFileIndex(hourly, spec())).toEqual([
      { bucket: '2026-03-02T00:00:00Z', events: 15 },
      { bucket: '2026-03-03T00:00:00Z', events: 7 },
    ]);
    const byHour = seriesFromFileIndex(hourly, spec({ granularity: 'hour' }))!;
    expect(byHour).toHaveLength(48);
    expect(byHour[13]).toEqual({ bucket: '2026-03-02T13:00:00Z', events: 5 });
    expect(seriesTotal(byHour)).toBe(22);
  });

  it('puts weeks on Mondays (2026-03-02 is one; 2026-03-01 belongs to the week before)', () => {
    const files = [...hourly, file(3, '2026-03-01T10:00:00.000Z', '2026-03-01T10:30:00.000Z')];
    expect(seriesFromFileIndex(files, spec({ from: '2026-03-01', granularity: 'week' }))).toEqual([
      { bucket: '2026-02-23T00:00:00Z', events: 3 },
      { bucket: '2026-03-02T00:00:00Z', events: 22 },
    ]);
  });

  it('leaves out files entirely outside the range', () => {
    const files = [...hourly, file(99, '2026-03-04T00:00:00.000Z', '2026-03-04T00:10:00.000Z'), file(99, '2026-03-01T23:00:00.000Z', '2026-03-01T23:59:59.999Z')];
    expect(seriesTotal(seriesFromFileIndex(files, spec())!)).toBe(22);
  });

  it('cannot tell, and says null, when filters apply, a file spans two buckets or crosses the range, or the index is empty', () => {
    expect(seriesFromFileIndex(hourly, spec({ filters: [{ column: 'country', op: 'eq', values: ['DE'] }] }))).toBeNull();
    expect(seriesFromFileIndex([file(4, '2026-03-02T10:00:00.000Z', '2026-03-02T11:00:00.000Z')], spec({ granularity: 'hour' }))).toBeNull();
    expect(seriesFromFileIndex([file(4, '2026-03-01T23:59:00.000Z', '2026-03-02T00:01:00.000Z')], spec({ granularity: 'week' }))).toBeNull();
    expect(seriesFromFileIndex([], spec())).toBeNull();
    expect(seriesFromFileIndex(null, spec())).toBeNull();
  });

  it('rejects an index it cannot trust: unparseable times, a reversed span, a negative or fractional row count', () => {
    expect(seriesFromFileIndex([file(1, 'yesterday', '2026-03-02T00:00:00.000Z')], spec())).toBeNull();
    expect(seriesFromFileIndex([file(1, '2026-03-02T02:00:00.000Z', '2026-03-02T01:00:00.000Z')], spec())).toBeNull();
    expect(seriesFromFileIndex([file(-1, '2026-03-02T01:00:00.000Z', '2026-03-02T01:00:00.000Z')], spec())).toBeNull();
    expect(seriesFromFileIndex([file(1.5, '2026-03-02T01:00:00.000Z', '2026-03-02T01:00:00.000Z')], spec())).toBeNull();
  });
});
