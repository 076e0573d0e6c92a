import { describe, expect, it } from 'vitest';
import type { IdentityCoverage } from '@privacy-analytics/core/analytics';
import { personCountNote } from './person-count-note';

const coverage = (over: Partial<IdentityCoverage>): IdentityCoverage => ({
  persons: 12_345,
  identifiedPersons: 10_740,
  identifiedPersonShare: 10_740 / 12_345,
  orders: 0,
  identifiedOrders: 0,
  orderShare: null,
  revenue: 0,
  identifiedRevenue: 0,
  revenueShare: null,
  offlinePersons: 200,
  onlinePersons: 12_327,
  personsOnlineAndOffline: 182,
  onlineOfflineLinkRate: 182 / 200,
  ...over,
});

describe('personCountNote', () => {
  it('gives the persons, identified share and online/offline link rate', () => {
    const note = personCountNote({ kind: 'ready', coverage: coverage({}) });
    expect(note).toEqual({ text: 'Persons: ids merged by identity mapping — 12,345 persons in the loaded data, 87 % identified, online/offline link 91 %', persons: 12_345, busy: false });
  });

  it('says when there are no offline rows, rather than a rate of nothing', () => {
    const note = personCountNote({ kind: 'ready', coverage: coverage({ persons: 1, identifiedPersonShare: 0, offlinePersons: 0, personsOnlineAndOffline: 0, onlineOfflineLinkRate: null }) });
    expect(note?.text).toBe('Persons: ids merged by identity mapping — 1 person in the loaded data, 0 % identified, no offline rows');
  });

  it('is busy while counting, plain when it failed, absent without data, and says when identity mapping is off', () => {
    expect(personCountNote({ kind: 'computing' })).toMatchObject({ busy: true, persons: null });
    expect(personCountNote({ kind: 'failed' })?.text).toBe('Persons: ids merged by identity mapping — the link rates are not available just now');
    expect(personCountNote({ kind: 'no data' })).toBeNull();
    expect(personCountNote({ kind: 'idle' })).toBeNull();
    expect(personCountNote({ kind: 'ready', coverage: coverage({}) }, 'none')).toEqual({ text: 'Persons: one id each, identity mapping off for this analysis', persons: null, busy: false });
  });
});
