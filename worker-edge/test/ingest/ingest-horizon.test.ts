import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { flush, manifest, post } from '../helpers';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const startOfDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

function message(site: string, i: number, at: number): Record<string, unknown> {
  return { type: 'track', event: 'Old', anonymousId: `v${i % 50}`, messageId: `${site}-${i}`, timestamp: new Date(at).toISOString() };
}

/** The partitions a flush at `now` writes for these times: one per date before yesterday (UTC), one per hour after. */
function partitionsAt(now: number, times: readonly number[]): Set<string> {
  const recentFrom = isoDate(now - DAY_MS);
  return new Set(times.map((t) => (isoDate(t) < recentFrom ? isoDate(t) : `${isoDate(t)}/${new Date(t).getUTCHours()}`)));
}

function partitionOfFile(file: ManifestEntry): string {
  return file.hour === null ? file.date : `${file.date}/${file.hour}`;
}

describe('old events (ingest horizon)', () => {
  it('a batch of 2,500 hourly timestamps over 104 days: the ones past the 30-day horizon are refused by name, the rest make a bounded number of files', async () => {
    const sentAt = Date.now();
    const times = Array.from({ length: 2500 }, (_, i) => sentAt - i * HOUR_MS);
    const res = await post('/v1/batch', { batch: times.map((t, i) => message('horizon', i, t)) }, { writeKey: 'horizon-write-key' });
    const answeredAt = Date.now();
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: number; rejected: { index: number; reason: string }[] };

    // The oldest accepted day is today minus 30 (UTC) at receipt; receipt lies between sentAt and answeredAt.
    const cutoffs = new Set([startOfDay(sentAt) - 30 * DAY_MS, startOfDay(answeredAt) - 30 * DAY_MS]);
    const cutoff = [...cutoffs].find((c) => body.rejected.every(({ index }) => times[index]! < c) && body.accepted === times.filter((t) => t >= c).length);
    expect(cutoff, 'rejections and acceptances split the batch at today - 30 days').toBeDefined();
    expect(body.rejected.map((r) => r.index)).toEqual(times.flatMap((t, i) => (t < cutoff! ? [i] : [])));
    expect(body.rejected.length).toBeGreaterThan(1700);
    for (const { reason } of body.rejected) {
      expect(reason).toMatch(new RegExp(`^timestamp_too_old: timestamp \\(.+\\) is before ${isoDate(cutoff!)}T00:00:00.000Z, the oldest date this collector accepts for site "horizon" \\(ingest horizon 30 days\\)$`));
    }

    const flushedFrom = Date.now();
    const flushed = await flush('horizon', 'horizon-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G');
    const flushedTo = Date.now();
    const accepted = times.filter((t) => t >= cutoff!);
    expect(flushed.rows).toBe(accepted.length);
    const { files } = await manifest('horizon', '', 'horizon-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G');
    expect(files.reduce((n, f) => n + f.rows, 0)).toBe(accepted.length);
    expect(files.every((f) => f.date >= isoDate(cutoff!))).toBe(true);
    // One file per partition and buffer shard: 29 or 30 day-level dates and at most 48 hours, times 2 shards.
    const written = new Set(files.map(partitionOfFile));
    const expected = [partitionsAt(flushedFrom, accepted), partitionsAt(flushedTo, accepted)];
    expect(expected.some((p) => p.size === written.size && [...p].every((id) => written.has(id)))).toBe(true);
    expect(files.length).toBeGreaterThanOrEqual(written.size);
    expect(files.length).toBeLessThanOrEqual(2 * written.size);
    expect(files.length).toBeLessThanOrEqual(2 * (31 + 48));
  });

  it('a site may accept older events (ingestHorizonDays) but never older than it keeps (retention)', async () => {
    const now = Date.now();
    const hundredDaysAgo = now - 100 * DAY_MS;
    const backfill = await post('/v1/batch', { batch: [message('backfill', 1, hundredDaysAgo)] }, { writeKey: 'backfill-write-key' });
    expect(await backfill.json()).toMatchObject({ success: true, accepted: 1, rejected: [] });

    const tenDaysAgo = now - 10 * DAY_MS;
    const capped = await post('/v1/batch', { batch: [message('short-retention', 1, tenDaysAgo), message('short-retention', 2, now)] }, { writeKey: 'short-retention-write-key' });
    const body = (await capped.json()) as { accepted: number; rejected: { index: number; reason: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([{ index: 0, reason: expect.stringMatching(/^timestamp_too_old: .* the oldest date site "short-retention" keeps \(retention 7 days\)$/) }]);
  });

  it('a single message past the horizon is a 400 naming the reason', async () => {
    const res = await post('/v1/track', message('horizon', 9999, Date.now() - 40 * DAY_MS), { writeKey: 'horizon-write-key' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_message', message: expect.stringMatching(/^timestamp_too_old: /) });
  });
});
