import { describe, expect, it } from 'vitest';
import { describeEdgeError } from '../edge/edge-errors';
import { EdgeRequestError } from '../engine/errors';
import { auditSummary } from './admin/admin-state.svelte.ts';
import { filterBlockReason, VIEW_NEEDS, viewBlockReason } from './role-access';
import { VIEWS } from './url-state';

describe('views by role', () => {
  it('every view names its least role; a viewer keeps the overview, counters and alerts only', () => {
    expect(Object.keys(VIEW_NEEDS).sort()).toEqual([...VIEWS].sort());
    const open = VIEWS.filter((view) => viewBlockReason(view, 'viewer') === null);
    expect(open.sort()).toEqual(['alerts', 'connect', 'overview', 'quality']);
    expect(VIEWS.filter((view) => viewBlockReason(view, 'analyst') !== null)).toEqual(['admin']);
    expect(VIEWS.filter((view) => viewBlockReason(view, 'admin') !== null)).toEqual([]);
  });

  it('local files (no role) open every view but Imports and Admin (both need an edge), and filter freely', () => {
    expect(VIEWS.filter((view) => viewBlockReason(view, null) !== null)).toEqual(['imports', 'admin']);
    expect(filterBlockReason(null)).toBeNull();
    expect(filterBlockReason('viewer')).toMatch(/analyst token/);
  });
});

describe('edge refusals as sentences', () => {
  const refusal = (status: number, body: Record<string, unknown>) => new EdgeRequestError(`HTTP ${status}`, status, { code: String(body.error), body });

  it('say what is needed, never the HTTP status', () => {
    const cases = [
      [refusal(409, { error: 'below_retention_floor', message: 'x', floorDays: 1095 }), /below this site's retention floor of 1095 days.*Override the floor/],
      [refusal(403, { error: 'insufficient_role', role: 'viewer', required: 'analyst' }), /needs an analyst token; the connected token is a viewer token/],
      [refusal(409, { error: 'confirmation_required', cutoff: '2025-01-01' }), /before 2025-01-01/],
      [refusal(401, { error: 'revoked_token' }), /revoked/],
      [refusal(400, { error: 'override_reason_required', floorDays: 30 }), /needs a reason/],
    ] as const;
    for (const [error, sentence] of cases) {
      const text = describeEdgeError(error, 'change the retention');
      expect(text).toMatch(/^Could not change the retention: /);
      expect(text).toMatch(sentence);
      expect(text).not.toMatch(/HTTP/);
    }
  });

  it('fall back to the edge message for an unknown code, and say when the edge was not reached', () => {
    expect(describeEdgeError(refusal(418, { error: 'teapot', message: 'short and stout' }), 'brew')).toBe('Could not brew: short and stout');
    expect(describeEdgeError(new EdgeRequestError('offline', null), 'list the tokens')).toMatch(/could not be reached/);
  });
});

describe('audit entries in one line', () => {
  it('downloads: files, requests, dates and hour', () => {
    const line = auditSummary({
      id: 1,
      at: '2026-12-07T10:05:00.000Z',
      action: 'data.download',
      actor: 'config:analyst:0',
      details: { hour: '2026-12-07T10:00:00.000Z', kind: 'events', files: 3, requests: 9, fromDate: '2026-12-01', toDate: '2026-12-06', keys: [] },
    });
    expect(line).toBe('3 event files (9 requests), dates 2026-12-01 – 2026-12-06, hour from 10:00 UTC');
  });

  it('retention overrides carry their reason', () => {
    expect(auditSummary({ id: 2, at: '', action: 'retention.override', actor: 'a', details: { from: 1095, to: 30, floorDays: 1095, reason: 'legal hold ended' } })).toBe(
      'retention 1095 → 30 days (floor 1095); reason: legal hold ended',
    );
  });
});
