import { describe, expect, it } from 'vitest';
import { planTimeSplit } from './time-split';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const dates = (list: number[]) => list.map((ms) => new Date(ms).toISOString().slice(0, 10));
// The demo period: 90 days from 2026-10-24, last event on 2027-01-21.
const demo = { dataStartMs: day('2026-10-24') + 130_000, dataEndMs: day('2027-01-21') + 85_000_000 };

describe('time-based split', () => {
  it('churn (30 days): evaluation at the last possible cut-off, training and validation label windows end by it', () => {
    const split = planTimeSplit({ ...demo, horizonDays: 30 });
    expect(dates(split.evaluation)).toEqual(['2026-12-23']);
    expect(dates(split.validation)).toEqual(['2026-11-23']);
    expect(dates(split.train)).toEqual(['2026-11-09', '2026-11-16']);
    expect(split.dataEndMs).toBe(day('2027-01-22'));
  });

  it('churn warned 7 days ahead (21 days of silence): label windows of 28 days from the cut-off; 30 days of silence do not fit 90 days', () => {
    const split = planTimeSplit({ ...demo, horizonDays: 21, leadDays: 7 });
    expect(dates(split.evaluation)).toEqual(['2026-12-25']);
    expect(dates(split.validation)).toEqual(['2026-11-27']);
    expect(dates(split.train)).toEqual(['2026-11-13', '2026-11-20']);
    for (const c of [...split.train, ...split.validation]) expect(c + 28 * 86_400_000).toBeLessThanOrEqual(split.evaluation[0]!);
    expect(() => planTimeSplit({ ...demo, horizonDays: 30, leadDays: 7 })).toThrow(/not enough history for a 30-day horizon that starts 7 days after the cut-off: the data spans 90 days/);
  });

  it('propensity (7 days): four weekly evaluation cut-offs in the last 28 days', () => {
    const split = planTimeSplit({ ...demo, horizonDays: 7 });
    expect(dates(split.evaluation)).toEqual(['2026-12-25', '2027-01-01', '2027-01-08', '2027-01-15']);
    expect(dates(split.validation)).toEqual(['2026-12-11', '2026-12-18']);
    expect(dates(split.train)).toEqual(['2026-11-13', '2026-11-20', '2026-11-27', '2026-12-04']);
  });

  it('never lets a training or validation label window pass the first evaluation cut-off', () => {
    for (const horizonDays of [1, 7, 14, 30]) {
      const split = planTimeSplit({ ...demo, horizonDays, strideDays: 3 });
      const firstEvaluation = Math.min(...split.evaluation);
      for (const c of [...split.train, ...split.validation]) expect(c + horizonDays * 86_400_000).toBeLessThanOrEqual(firstEvaluation);
      expect(Math.max(...split.train)).toBeLessThan(Math.min(...split.validation));
    }
  });

  it('explains when the data is too short for the horizon', () => {
    expect(() => planTimeSplit({ dataStartMs: day('2026-10-24'), dataEndMs: day('2026-11-30'), horizonDays: 30 })).toThrow(
      /not enough history for a 30-day horizon: the data spans 38 days \(2026-10-24 to 2026-11-30\)/,
    );
    expect(() => planTimeSplit({ dataStartMs: Number.NaN, dataEndMs: 0, horizonDays: 7 })).toThrow(/no events/);
  });
});
