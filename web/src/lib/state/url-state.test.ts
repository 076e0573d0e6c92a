import { describe, expect, it } from 'vitest';
import { encodeFilter, parseUrlState, presetRange, urlStateToParams, type UrlState } from './url-state';

const TODAY = '2026-03-31';

describe('URL state', () => {
  it('round-trips view, preset, granularity and filters with awkward values', () => {
    const state: UrlState = {
      view: 'sql',
      preset: '7d',
      range: presetRange('7d', TODAY),
      granularity: 'hour',
      filters: [
        { column: 'country', op: 'in', values: ['DE', 'US'] },
        { column: 'page_path', op: 'contains', values: ['/a,b:c?d=%&e'] },
        { column: 'referrer_host', op: 'empty', values: [] },
      ],
    };
    const search = urlStateToParams(state).toString();
    expect(parseUrlState(search, TODAY)).toEqual(state);
  });

  it('keeps presets relative and custom ranges fixed', () => {
    expect(parseUrlState('range=90d', TODAY).range).toEqual({ from: '2026-01-01', to: TODAY });
    const custom = parseUrlState('from=2026-01-10&to=2026-01-20&range=7d', TODAY);
    expect(custom).toMatchObject({ preset: null, range: { from: '2026-01-10', to: '2026-01-20' } });
  });

  it('falls back to defaults for invalid parts and drops invalid filters', () => {
    const state = parseUrlState('view=settings&g=minute&from=2026-02-30&to=2026-01-01&f=nope:eq:x&f=country:like:x&f=country:eq:&f=country:eq:FR', TODAY);
    expect(state).toMatchObject({ view: 'overview', granularity: 'day', preset: '30d' });
    expect(state.filters).toEqual([{ column: 'country', op: 'eq', values: ['FR'] }]);
  });

  it('never carries anything but the known keys', () => {
    const params = urlStateToParams(parseUrlState('token=secret&url=https://edge&f=country:eq:DE', TODAY));
    expect([...new Set(params.keys())].sort()).toEqual(['f', 'g', 'range', 'view']);
    expect(encodeFilter({ column: 'country', op: 'eq', values: ['DE'] })).toBe('country:eq:DE');
  });
});
