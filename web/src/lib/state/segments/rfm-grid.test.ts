import { describe, expect, it } from 'vitest';
import { buildRfmGrid } from './rfm-grid';

describe('RFM grid', () => {
  it('counts persons per R×F cell with their average monetary, most recent row first', () => {
    const grid = buildRfmGrid([
      { r: 5, f: 1, monetary: 10 },
      { r: 5, f: 1, monetary: 30 },
      { r: 1, f: 5, monetary: 100 },
      { r: 3, f: 2, monetary: 7 },
    ]);
    expect(grid.total).toBe(4);
    expect(grid.max).toBe(2);
    expect(grid.rows.map((row) => row.r)).toEqual([5, 4, 3, 2, 1]);
    expect(grid.rows[0]!.cells[0]).toEqual({ r: 5, f: 1, persons: 2, avgMonetary: 20, intensity: 1 });
    expect(grid.rows[4]!.cells[4]).toEqual({ r: 1, f: 5, persons: 1, avgMonetary: 100, intensity: 0.5 });
    expect(grid.rows[1]!.cells[2]).toEqual({ r: 4, f: 3, persons: 0, avgMonetary: null, intensity: 0 });
    expect(grid.rows.flatMap((row) => row.cells).reduce((n, c) => n + c.persons, 0)).toBe(4);
  });

  it('is empty without buyers and rejects scores outside 1..5', () => {
    const empty = buildRfmGrid([]);
    expect(empty.max).toBe(0);
    expect(empty.rows.flatMap((row) => row.cells).every((c) => c.persons === 0 && c.intensity === 0)).toBe(true);
    expect(() => buildRfmGrid([{ r: 6, f: 1, monetary: 1 }])).toThrow('RFM scores must be 1..5, got r=6 f=1');
  });
});
