/**
 * The range's files as the manifest lists them (event file and rollup, key and ETag each), hashed: an erasure, a
 * compaction, retention or a new flush changes a key or an ETag, and with it the fingerprint.
 */
export function manifestFingerprint(files: readonly { key: string; etag: string; rollup?: { key: string; etag: string } | null }[]): string {
  const lines = files.map((f) => `${f.key}|${f.etag}|${f.rollup ? `${f.rollup.key}|${f.rollup.etag}` : ''}`).sort();
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ c, 0x85ebca6b) >>> 0;
    }
    h1 = Math.imul(h1 ^ 10, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ 10, 0x85ebca6b) >>> 0;
  }
  return `${lines.length}:${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}
