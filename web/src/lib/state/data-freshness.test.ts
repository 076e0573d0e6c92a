import { describe, expect, it } from 'vitest';
import { AUTO_REFRESH_MS, judgeFreshness, LATE_AFTER_MS, newestFileTime } from './data-freshness';

const NOW = Date.parse('2031-05-20T14:30:00Z');
const minute = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();
const live = (lastEventAt: number) => [{ minute: minute(lastEventAt - 60_000), accepted: 3 }, { minute: minute(lastEventAt), accepted: 5 }, { minute: minute(lastEventAt + 60_000), accepted: 0 }];

describe('data freshness', () => {
  it('the newest file time is the largest maxTime', () => {
    expect(newestFileTime([{ rows: 1, minTime: 'a', maxTime: '2031-05-20T14:00:00Z' }, { rows: 1, minTime: 'a', maxTime: '2031-05-20T14:20:00Z' }])).toBe('2031-05-20T14:20:00Z');
    expect(newestFileTime(null)).toBeNull();
  });

  it('is fresh while files keep up with the live counters, late once they fall more than the allowance behind', () => {
    const lastLive = NOW - 60_000;
    const base = { now: NOW, lastSyncAt: NOW - 10_000, syncError: null, live: live(lastLive) };
    expect(judgeFreshness({ ...base, newestData: new Date(lastLive - LATE_AFTER_MS + 60_000).toISOString() }).state).toBe('fresh');
    const late = judgeFreshness({ ...base, newestData: new Date(lastLive - LATE_AFTER_MS - 60_000).toISOString() });
    expect(late.state).toBe('late');
    expect(late.state === 'late' && late.reason).toMatch(/^data is late: the newest loaded event is \d+ minutes behind the live counters/);
    // no traffic at all is not lateness
    expect(judgeFreshness({ ...base, live: [{ minute: minute(NOW), accepted: 0 }], newestData: '2031-05-19T00:00:00Z' }).state).toBe('fresh');
    expect(judgeFreshness({ ...base, live: null, newestData: null }).state).toBe('unknown');
  });

  it('is late when re-syncing has failed for more than two intervals', () => {
    const failing = { now: NOW, syncError: 'HTTP 503', newestData: null, live: null };
    expect(judgeFreshness({ ...failing, lastSyncAt: NOW - AUTO_REFRESH_MS }).state).toBe('unknown');
    const late = judgeFreshness({ ...failing, lastSyncAt: NOW - 3 * AUTO_REFRESH_MS });
    expect(late.state === 'late' && late.reason).toBe('re-syncing with the edge failed: HTTP 503');
  });
});
