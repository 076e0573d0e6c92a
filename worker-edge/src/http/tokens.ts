const encoder = new TextEncoder();

/** Constant-time comparison of a presented secret against each accepted one. */
export function matchesAnyToken(presented: string, accepted: readonly string[]): boolean {
  const given = encoder.encode(presented);
  let match = false;
  for (const token of accepted) {
    const expected = encoder.encode(token);
    // timingSafeEqual needs equal lengths; comparing against itself keeps the time independent of the guess.
    const same = given.byteLength === expected.byteLength && crypto.subtle.timingSafeEqual(given, expected);
    if (given.byteLength !== expected.byteLength) crypto.subtle.timingSafeEqual(expected, expected);
    match = match || same;
  }
  return match;
}

export function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1]! : null;
}

/** Segment sends the write key as the HTTP Basic username with an empty password. */
export function basicUsername(request: Request): string | null {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!match) return null;
  try {
    const decoded = atob(match[1]!);
    const colon = decoded.indexOf(':');
    return colon === -1 ? decoded : decoded.slice(0, colon);
  } catch {
    return null;
  }
}
