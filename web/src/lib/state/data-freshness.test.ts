import { describe, expect, it } from 'vitest';
import { AUTO_REFRESH_MS, judgeFreshness, LATE_FLUSH_LAG_MS } from './data-freshness';

const NOW = Date.parse('2031-05-20T14:30:00Z');

describe('data freshness', () => {
  it('is fresh after a recent sync while the edge writes its events in time', () => {
    expect(judgeFreshness({ now: NOW, lastSyncAt: NOW - 30_000, syncError: null, flushLagSeconds: 20 })).toEqual({ state: 'fresh' });
    expect(judgeFreshness({ now: NOW, lastSyncAt: NOW - 30_000, syncError: null, flushLagSeconds: LATE_FLUSH_LAG_MS / 1000 })).toEqual({ state: 'fresh' });
  });

  it('is late when the edge holds events longer than two flush intervals', () => {
    const late = judgeFreshness({ now: NOW, lastSyncAt: NOW - 30_000, syncError: null, flushLagSeconds: 400 });
    expect(late).toEqual({ state: 'late', reason: 'data is late: the edge has held events for 400 s without writing them to files (expected under 120 s)' });
  });

  it('is late when the last successful sync is more than two intervals old, saying why', () => {
    const late = judgeFreshness({ now: NOW, lastSyncAt: NOW - 3 * AUTO_REFRESH_MS, syncError: 'HTTP 503', flushLagSeconds: 0 });
    expect(late).toEqual({ state: 'late', reason: 'data is late: last synced 3 minutes ago (re-syncing failed: HTTP 503)' });
    expect(judgeFreshness({ now: NOW, lastSyncAt: null, syncError: null, flushLagSeconds: null }).state).toBe('unknown');
  });
});
