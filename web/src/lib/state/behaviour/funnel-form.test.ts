import { describe, expect, it } from 'vitest';
import { parseFunnelSpec } from '@privacy-analytics/core/analytics';
import { addExclusion, addStep, defaultFunnelForm, funnelFormFromSpec, funnelQueryFromForm, moveStep, removeStep, type FunnelForm } from './funnel-form';

function filled(): FunnelForm {
  const form = defaultFunnelForm();
  form.steps[0]!.event = 'Product Viewed';
  form.steps[0]!.filters = [{ property: 'properties.category', op: 'in', value: 'shoes, hats' }];
  form.steps[1]!.event = ' Order Completed ';
  return form;
}

describe('funnel form', () => {
  it('turns the form into a spec the funnel accepts, trimming names and parsing filter values', () => {
    const form = filled();
    form.breakdown = 'country';
    form.windowValue = 2;
    form.windowUnit = 'hour';
    const spec = funnelQueryFromForm(form);
    expect(spec).toEqual({
      steps: [{ event: 'Product Viewed', where: [{ property: 'properties.category', op: 'in', value: ['shoes', 'hats'] }] }, { event: 'Order Completed' }],
      order: 'sequential',
      window: { value: 2, unit: 'hour' },
      count: 'persons',
      breakdown: { property: 'country' },
    });
    expect(() => parseFunnelSpec(spec)).not.toThrow();
  });

  it('names the incomplete row', () => {
    const form = filled();
    form.steps[1]!.event = '';
    expect(() => funnelQueryFromForm(form)).toThrow('step 2: choose an event');
    const withFilter = filled();
    withFilter.steps[0]!.filters = [{ property: 'revenue', op: 'gt', value: 'lots' }];
    expect(() => funnelQueryFromForm(withFilter)).toThrow('step 1: filter on revenue: "lots" is not a number');
  });

  it('opens a saved spec back into the same form', () => {
    const form = filled();
    form.order = 'strict';
    form.count = 'totals';
    addExclusion(form);
    form.exclusions[0]!.event = 'Cart Viewed';
    const reopened = funnelFormFromSpec(parseFunnelSpec(funnelQueryFromForm(form)));
    expect(funnelQueryFromForm(reopened)).toEqual(funnelQueryFromForm(form));
    expect(reopened.steps[0]!.filters).toEqual([{ property: 'properties.category', op: 'in', value: 'shoes, hats' }]);
  });

  it('keeps exclusions on the same steps when a step is removed', () => {
    const form = filled();
    addStep(form);
    addStep(form);
    form.steps.forEach((s, i) => (s.event = `e${i}`));
    addExclusion(form);
    form.exclusions[0]!.fromStep = 2;
    form.exclusions[0]!.toStep = 3;
    removeStep(form, 0);
    expect(form.steps.map((s) => s.event)).toEqual(['e1', 'e2', 'e3']);
    expect(form.exclusions[0]).toMatchObject({ fromStep: 1, toStep: 2 });
    removeStep(form, 1);
    // the exclusion started after the removed step: it now starts after the step before it
    expect(form.exclusions[0]).toMatchObject({ fromStep: 0, toStep: 1 });
  });

  it('never removes the last step and moves steps within bounds', () => {
    const form = filled();
    removeStep(form, 0);
    removeStep(form, 0);
    expect(form.steps).toHaveLength(1);
    const two = filled();
    moveStep(two, 0, 1);
    expect(two.steps.map((s) => s.event.trim())).toEqual(['Order Completed', 'Product Viewed']);
    moveStep(two, 1, 1);
    expect(two.steps.map((s) => s.event.trim())).toEqual(['Order Completed', 'Product Viewed']);
  });

  it('a single step passes the form but the spec says why it cannot run', () => {
    const form = filled();
    removeStep(form, 1);
    expect(() => parseFunnelSpec(funnelQueryFromForm(form))).toThrow('spec.steps: a funnel needs at least 2 steps');
  });
});
