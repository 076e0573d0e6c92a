/**
 * The dashboard's switch for rows flagged as invalid, from the footnote's words to the spec that runs, on
 * DuckDB-Wasm in Node (the dashboard's engine) with hand-built rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { loadRows, track } from '@privacy-analytics/core/testing';
import type { SavedReports } from '../../reports/saved-reports';
import { basisFootnote } from '../../components/analysis-basis';
import type { BehaviourDraft } from '../segments/condition-draft';
import { SegmentViewState } from '../segments/segment-view.svelte.ts';
import { FunnelViewState } from './funnel-view.svelte.ts';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
  await loadRows(store, [
    track('u1', 'visit', '2024-01-02T10:00:00Z'),
    // the revenue could not be read: the row is flagged and left out unless the dashboard includes it
    track('u1', 'Order Completed', '2024-01-02T11:00:00Z', { order_id: 'o1', quality_flags: 'invalid_number' }),
    track('u2', 'visit', '2024-01-05T10:00:00Z'),
  ]);
});
afterAll(async () => store?.close());

const RANGE = { from: '2024-01-01', to: '2024-01-03' };
const noSaved = {} as SavedReports;

describe('rows flagged as invalid in the dashboard', () => {
  it('are left out of a run, said so in its footnote, and put back by the switch', async () => {
    const funnel = new FunnelViewState(Object.assign(store, { cancelQuery: async () => undefined }), noSaved);
    funnel.form.steps[0]!.event = 'visit';
    funnel.form.steps[1]!.event = 'Order Completed';

    await funnel.start(RANGE, 1);
    const left = funnel.run.result!;
    expect(funnel.run.error).toBeNull();
    expect(left.spec.includeFlagged).toBeUndefined();
    expect(left.result.steps.map((s) => s.count)).toEqual([1, 0]);
    const note = basisFootnote(left.result.basis, true);
    expect(note.sentences[0]).toBe('2024-01-01 to 2024-01-03 (UTC): 1 of 3 loaded events (left out: 1 outside the range, 1 flagged as invalid).');
    expect(note.flaggedSwitch).toEqual({ checked: false, label: 'Include the 1 row flagged as invalid' });

    await funnel.start(RANGE, 1, true);
    const kept = funnel.run.result!;
    expect(kept.spec.includeFlagged).toBe(true);
    expect(kept.result.steps.map((s) => s.count)).toEqual([1, 1]);
    expect(basisFootnote(kept.result.basis, true).flaggedSwitch).toEqual({ checked: true, label: 'Include the 1 row flagged as invalid' });
    // Data quality, which always reads flagged rows, offers no switch.
    expect(basisFootnote(kept.result.basis, false).flaggedSwitch).toBeNull();
  });

  it('offer no switch when nothing in the range is flagged', async () => {
    const funnel = new FunnelViewState(Object.assign(store, { cancelQuery: async () => undefined }), noSaved);
    funnel.form.steps[0]!.event = 'visit';
    funnel.form.steps[1]!.event = 'visit';
    await funnel.start({ from: '2024-01-05', to: '2024-01-05' }, 1);
    expect(basisFootnote(funnel.run.result!.result.basis, true).flaggedSwitch).toBeNull();
  });

  it('follow the dashboard choice into segment specs, not into saved segments', () => {
    let include = false;
    const segments = new SegmentViewState({
      engine: Object.assign(store, { cancelQuery: async () => undefined }),
      saved: { list: async () => [], save: async () => { throw new Error('not saved here'); }, remove: async () => undefined },
      range: () => RANGE,
      dataVersion: () => 1,
      includeFlagged: () => include,
    });
    (segments.tree.children[0] as BehaviourDraft).event = 'visit';
    expect(segments.runSpec().includeFlagged).toBeUndefined();
    include = true;
    expect(segments.runSpec().includeFlagged).toBe(true);
    expect(segments.savedSpec()).not.toHaveProperty('includeFlagged');
  });
});
