/**
 * The RFM view's 5×5 grid: persons per (R, F) score pair with their average monetary value, and each
 * cell's intensity for the heat map (persons relative to the fullest cell).
 */
import type { RfmPerson } from '@privacy-analytics/core/analytics';

export const SCORES = [1, 2, 3, 4, 5] as const;

export interface RfmCell {
  r: number;
  f: number;
  persons: number;
  /** mean monetary of the cell's persons; null when empty */
  avgMonetary: number | null;
  /** persons / persons of the fullest cell, 0..1 */
  intensity: number;
}

export interface RfmGrid {
  /** rows from R = 5 (most recent) down to R = 1; cells within a row by F = 1..5 */
  rows: { r: number; cells: RfmCell[] }[];
  total: number;
  max: number;
}

export function buildRfmGrid(persons: readonly Pick<RfmPerson, 'r' | 'f' | 'monetary'>[]): RfmGrid {
  const counts = new Map<string, { persons: number; monetary: number }>();
  for (const p of persons) {
    if (!SCORES.includes(p.r as 1) || !SCORES.includes(p.f as 1)) throw new Error(`RFM scores must be 1..5, got r=${p.r} f=${p.f}`);
    const key = `${p.r}:${p.f}`;
    const cell = counts.get(key) ?? { persons: 0, monetary: 0 };
    cell.persons++;
    cell.monetary += p.monetary;
    counts.set(key, cell);
  }
  const max = Math.max(0, ...[...counts.values()].map((c) => c.persons));
  const rows = [...SCORES].reverse().map((r) => ({
    r,
    cells: SCORES.map((f) => {
      const cell = counts.get(`${r}:${f}`);
      return { r, f, persons: cell?.persons ?? 0, avgMonetary: cell ? cell.monetary / cell.persons : null, intensity: cell && max > 0 ? cell.persons / max : 0 };
    }),
  }));
  return { rows, total: persons.length, max };
}
