import { describe, expect, it } from 'vitest';
import { parsePathsSpec } from '@privacy-analytics/core/analytics';
import { defaultPathsForm, pathsFormFromSpec, pathsQueryFromForm } from './paths-form';

describe('paths form', () => {
  it('puts the event under start or end and splits the left-out events', () => {
    const form = defaultPathsForm();
    form.event.event = 'Cart Viewed';
    form.exclude = 'identify, , Experiment Viewed,identify';
    expect(pathsQueryFromForm(form)).toEqual({ start: { event: 'Cart Viewed' }, steps: 5, sessionBound: false, exclude: ['identify', 'Experiment Viewed'], minPersons: 1 });
    form.anchor = 'end';
    form.sessionBound = true;
    const spec = pathsQueryFromForm(form);
    expect(spec.end).toEqual({ event: 'Cart Viewed' });
    expect(spec.start).toBeUndefined();
    expect(pathsQueryFromForm(pathsFormFromSpec(parsePathsSpec(spec)))).toEqual(spec);
  });

  it('names the missing anchor event', () => {
    const form = defaultPathsForm();
    form.anchor = 'end';
    expect(() => pathsQueryFromForm(form)).toThrow('end event: choose an event');
  });
});
