import { describe, expect, it } from 'vitest';
import { parseRetentionSpec } from '@privacy-analytics/core/analytics';
import { defaultRetentionForm, retentionFormFromSpec, retentionQueryFromForm } from './retention-form';

describe('retention form', () => {
  it('round-trips through a parsed spec', () => {
    const form = defaultRetentionForm();
    form.startEvent.event = 'Signed Up';
    form.returnEvent = { event: 'Product Viewed', filters: [{ property: 'device_type', op: 'eq', value: 'mobile' }] };
    form.period = 'week';
    form.weekStart = 'sunday';
    form.mode = 'first_time';
    form.criterion = 'on_or_after';
    form.timeZone = ' Europe/Berlin ';
    form.breakdown = 'country';
    const spec = retentionQueryFromForm(form);
    expect(spec).toMatchObject({ timeZone: 'Europe/Berlin', breakdown: { property: 'country' }, returnEvent: { event: 'Product Viewed', where: [{ property: 'device_type', op: 'eq', value: 'mobile' }] } });
    const reopened = retentionFormFromSpec(parseRetentionSpec(spec));
    expect(retentionQueryFromForm(reopened)).toEqual(spec);
  });

  it('names the missing event and lets the spec reject an unknown zone', () => {
    const form = defaultRetentionForm();
    form.startEvent.event = 'Signed Up';
    expect(() => retentionQueryFromForm(form)).toThrow('return event: choose an event');
    form.returnEvent.event = 'x';
    form.timeZone = 'Mars/Olympus';
    expect(() => parseRetentionSpec(retentionQueryFromForm(form))).toThrow('unknown IANA time zone');
    form.timeZone = '';
    expect(retentionQueryFromForm(form).timeZone).toBe('UTC');
  });
});
