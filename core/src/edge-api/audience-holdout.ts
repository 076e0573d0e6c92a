/**
 * The holdout of an audience: a member is held out (kept undelivered, as the control group) when the draw of its
 * pseudonym under the audience id falls below the holdout share. The draw is a pure function of (audience id, id), so
 * the edge that delivers and the dashboard that measures the lift agree without exchanging lists, and a person stays
 * on the same side in every delivery of the same audience.
 *
 * Draw: FNV-1a (32 bit) of "<audienceId>:<id>", then murmur3's fmix32 finaliser, divided by 2^32.
 */
export const MAX_HOLDOUT_SHARE = 0.5;

export function holdoutDraw(audienceId: string, id: string): number {
  let hash = 0x811c9dc5;
  const text = `${audienceId}:${id}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}

export function isHeldOut(audienceId: string, id: string, share: number): boolean {
  return share > 0 && holdoutDraw(audienceId, id) < share;
}
