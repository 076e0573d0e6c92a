import { describe, expect, it } from 'vitest';
import { defaultExperimentForm, experimentFormFromSpec, experimentListSql, experimentSpec, parseExpectedSplit } from './experiment-form';

const range = { from: '2026-11-01', to: '2026-11-30' };

describe('experiment form', () => {
  it('reads the expected split in the ways people write it', () => {
    expect(parseExpectedSplit('control: 50, treatment: 50')).toEqual({ control: 50, treatment: 50 });
    expect(parseExpectedSplit('a=0.9;b=0.1')).toEqual({ a: 0.9, b: 0.1 });
    expect(parseExpectedSplit('control: 34%\nB: 33%\nC: 33%')).toEqual({ control: 34, B: 33, C: 33 });
    expect(parseExpectedSplit('  ')).toBeNull();
  });

  it('says what is wrong with a split', () => {
    expect(() => parseExpectedSplit('control 50, treatment 50')).toThrow('cannot read "control 50"');
    expect(() => parseExpectedSplit('control: 50')).toThrow('name at least two variants');
    expect(() => parseExpectedSplit('a: 1, a: 2')).toThrow('"a" is listed twice');
    expect(() => parseExpectedSplit('a: 0, b: 1')).toThrow('the share of "a" must be above 0');
  });

  it('makes a valid spec and opens it back', () => {
    const form = { ...defaultExperimentForm(), experiment: 'checkout_button', expectedSplit: 'control: 90, treatment: 10', metric: 'revenue' as const };
    const spec = experimentSpec(form, range);
    expect(spec).toMatchObject({ experiment: 'checkout_button', expectedSplit: { control: 90, treatment: 10 }, metric: 'revenue', minimumDetectableEffect: 0.1, from: '2026-11-01' });
    expect(experimentFormFromSpec(spec)).toEqual(form);
    expect(() => experimentSpec({ ...form, experiment: '' }, range)).toThrow('choose an experiment');
  });

  it('lists experiments with the exposure event as a parameter', () => {
    const query = experimentListSql('Experiment Viewed', range);
    expect(query.text).toContain('FROM "events"');
    expect(query.params).toContain('Experiment Viewed');
  });
});
