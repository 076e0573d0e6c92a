import { describe, expect, it } from 'vitest';
import { manifestFingerprint } from './manifest-fingerprint';

const file = (key: string, etag: string, rollupEtag: string | null = `r${etag}`) => ({
  key: `events/site=demo/date=2026-03-01/${key}.parquet`,
  etag,
  ...(rollupEtag ? { rollup: { key: `rollups/site=demo/date=2026-03-01/${key}.parquet`, etag: rollupEtag } } : {}),
});

describe('manifestFingerprint (what a saved overview is confirmed against)', () => {
  const files = [file('a', '1'), file('b', '2'), file('c', '3')];
  const print = manifestFingerprint(files);

  it('is the same for the same files in any order', () => {
    expect(manifestFingerprint([...files].reverse())).toBe(print);
  });

  it('changes when an erasure rewrites a file (same key, new ETag) or only its rollup', () => {
    expect(manifestFingerprint([file('a', '1'), file('b', '9'), file('c', '3')])).not.toBe(print);
    expect(manifestFingerprint([file('a', '1'), file('b', '2', 'other'), file('c', '3')])).not.toBe(print);
  });

  it('changes when compaction or retention removes a file, or a flush adds one', () => {
    expect(manifestFingerprint(files.slice(1))).not.toBe(print);
    expect(manifestFingerprint([...files, file('d', '4')])).not.toBe(print);
    expect(manifestFingerprint([file('a', '1'), file('bc', '5')])).not.toBe(print);
  });

  it('tells a file without a rollup from one with', () => {
    expect(manifestFingerprint([file('a', '1', null), file('b', '2'), file('c', '3')])).not.toBe(print);
  });
});
