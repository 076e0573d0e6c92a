import { z } from 'zod';
import { HttpError } from '../http/http-error';
import type { ListingPosition, ManifestTotals } from '../storage/file-manifest';

/**
 * The `cursor` of a paged manifest (or export listing): where the listing stands, the range it lists and the totals
 * of its first page, as base64url JSON. Opaque to clients; checked here like any other input.
 */
export interface ListingCursor extends ListingPosition {
  from: string | null;
  to: string | null;
  totals: ManifestTotals;
}

/** A listing older than this starts again: its pages would be hours apart. */
export const LISTING_MAX_AGE_MS = 60 * 60 * 1000;
const MAX_CURSOR_CHARS = 2048;

const count = z.number().int().nonnegative();
const cursorSchema = z.object({
  v: z.literal(1),
  from: z.string().max(10).nullable(),
  to: z.string().max(10).nullable(),
  afterDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  afterKey: z.string().min(1).max(512),
  startedAt: count,
  startSeq: count,
  totals: z.object({ files: count, rows: count, bytes: count }),
});

export function encodeCursor(cursor: ListingCursor): string {
  const json = JSON.stringify({ v: 1, ...cursor });
  const bytes = new TextEncoder().encode(json);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeCursor(text: string): ListingCursor {
  const invalid = (why: string) => new HttpError(400, 'invalid_cursor', `cursor: ${why}; pass the nextCursor of the previous page as it is, or leave it out to start`);
  if (text.length > MAX_CURSOR_CHARS) throw invalid(`longer than ${MAX_CURSOR_CHARS} characters`);
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw invalid('not a cursor this edge gave');
  let raw: unknown;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    raw = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    throw invalid('not a cursor this edge gave');
  }
  const parsed = cursorSchema.safeParse(raw);
  if (!parsed.success) throw invalid('not a cursor this edge gave');
  const { v: _version, ...cursor } = parsed.data;
  return cursor;
}

/** The cursor must continue a listing of the same range, started not too long ago. */
export function checkCursor(cursor: ListingCursor, from: string | undefined, to: string | undefined, now: number): void {
  if (cursor.from !== (from ?? null) || cursor.to !== (to ?? null)) {
    const range = `from=${cursor.from ?? ''}&to=${cursor.to ?? ''}`;
    throw new HttpError(400, 'invalid_cursor', `cursor: it continues the listing of ${range}; ask with the same from and to`);
  }
  if (now - cursor.startedAt > LISTING_MAX_AGE_MS) {
    throw new HttpError(409, 'manifest_changed', `the listing began more than ${LISTING_MAX_AGE_MS / 60_000} minutes ago; start again without a cursor`);
  }
}
