import { passesLuhn, passesMod11_2 } from './checksums';
import { isIpv4Literal, isIpv6Literal } from './ip-address';
import { JWT } from './opaque-tokens';

/**
 * Detectors for personal data in free text, applied by `scrubText` in the order of `PII_PATTERNS`.
 * An earlier pattern claims its span first; later candidates overlapping a claimed span are ignored.
 *
 * Decisions (privacy wins when a token is ambiguous):
 * - Text is matched in its NFKC form (`fold-text.ts`), so full-width digits and signs count as ASCII.
 * - E-mail runs first so its digits and dots are never re-read as phones or IPs. The `%40` / `%2540`
 *   forms are matched because query strings arrive percent-encoded. Internationalised addresses
 *   (`josé@exämple.de`, `用户@例子.公司`) are matched too. A local part is either Latin-script (ASCII and
 *   accented letters) or other-script letters, never a mix, so `联系我jane@example.com` keeps `联系我`;
 *   the price is that a mixed local part is cut (`janeжена@x.com` becomes `jane[email]`). Other-script text
 *   glued to the front of an other-script address (`请联系用户@例子.公司`) cannot be told apart from it and
 *   is replaced with it.
 * - JWTs are replaced whole as `[token]` (see `opaque-tokens.ts`).
 * - UUIDs and ISO-8601 dates/timestamps are claimed as "keep" before any numeric detector, so their
 *   digit groups are never read as cards or phones.
 * - A four-part dotted number with every part <= 255 (`1.2.3.4`, `Chrome/120.0.0.0`) cannot be told
 *   apart from an IPv4 address and is scrubbed as `[ip]`.
 * - Chinese resident ID (18 chars): scrubbed when the ISO 7064 MOD 11-2 checksum passes, OR when the
 *   first two digits are a real province code and chars 7-14 a real calendar date in 1900-2099. The
 *   second arm catches mistyped IDs, which are still personal data; the cost is that roughly one in
 *   eleven arbitrary 18-digit numbers (checksum by chance) is scrubbed too.
 * - Payment cards: 13-19 digits, contiguous or in groups of 3-7 separated by single spaces/dashes,
 *   first digit 2-6 (every card network's major industry identifier) and a valid Luhn check.
 *   Roughly one in ten arbitrary numbers of that shape passes Luhn and is scrubbed.
 * - Phones: Chinese mobiles (`1[3-9]` + 9 digits, optional +86/0086/86), international numbers with
 *   `+`/`%2B`/`00` prefix and 7-15 digits (9-15 after `00`, so zero-padded ids are spared), and North
 *   American `(415) 555-2671` / `415-555-2671`. Other national formats without a country prefix are
 *   not detected: without the prefix they are indistinguishable from ordinary numbers.
 * - Numbers glued to letters (hex hashes, `ORD123...`) or decimals (`0.4111...`) are never matched.
 */

export const PII_KINDS = ['email', 'phone', 'cn_id', 'card', 'ip', 'token'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export function placeholder(kind: PiiKind): string {
  return `[${kind}]`;
}

/** Deduplicated kinds in the canonical `PII_KINDS` order, so results compare deterministically. */
export function sortKinds(kinds: Iterable<PiiKind>): PiiKind[] {
  const seen = new Set(kinds);
  return PII_KINDS.filter((kind) => seen.has(kind));
}

export interface Span {
  start: number;
  end: number;
}

export interface PiiPattern {
  /** `keep` claims the span so nothing else can match inside it, and leaves it unchanged. */
  readonly kind: PiiKind | 'keep';
  /** Must carry the `g` flag; `scrubText` drives it with `exec` and resets `lastIndex`. */
  readonly regex: RegExp;
  /**
   * Spans this match may claim, most preferred first; the first one not overlapping an earlier claim
   * wins. Empty rejects the match (scanning resumes one character later).
   */
  readonly accept: (match: RegExpExecArray) => Span[];
}

const wholeMatch = (match: RegExpExecArray): Span[] => [{ start: match.index, end: match.index + match[0].length }];
const wholeMatchIf =
  (valid: (text: string) => boolean) =>
  (match: RegExpExecArray): Span[] =>
    valid(match[0]) ? wholeMatch(match) : [];

// Encoded local-part characters are limited to + - . _ ' so an encoded space or colon ends the address.
// Bounded repetitions keep every pattern linear-ish on hostile input (no nested unbounded quantifiers).
const LATIN_LOCAL_PART = String.raw`(?<![\p{Script=Latin}\p{M}0-9._+-])[\p{Script=Latin}0-9_](?:[\p{Script=Latin}\p{M}0-9._+-]|%(?:2[BbDdEe7]|5[Ff])){0,191}`;
const OTHER_CHAR = String.raw`(?!\p{Script=Latin})[\p{L}\p{N}\p{M}]`;
const OTHER_LOCAL_PART = String.raw`(?<!${OTHER_CHAR}|[._+-])(?!\p{M})${OTHER_CHAR}(?:${OTHER_CHAR}|[._+-]){0,63}`;
const DOMAIN_LABEL = String.raw`[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?`;
const TOP_LEVEL_DOMAIN = String.raw`(?:[A-Za-z]{2,63}(?![\p{Script=Latin}\p{M}0-9-])|(?:(?!\p{Script=Latin})\p{L}\p{M}*){2,63}(?![\p{L}\p{N}\p{M}-]))`;
const EMAIL = new RegExp(
  String.raw`(?:${LATIN_LOCAL_PART}|${OTHER_LOCAL_PART})(?:@|%40|%2540)(?:${DOMAIN_LABEL}\.){1,8}${TOP_LEVEL_DOMAIN}`,
  'gu',
);

const UUID = /(?<![A-Za-z0-9])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![A-Za-z0-9])/g;

const ISO_DATE_TIME =
  /(?<!\d)\d{4}-[01]\d-[0-3]\d(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d(?:[.,]\d{1,9})?)?(?:Z|[+-][0-2]\d:?[0-5]\d)?)?(?!\d)/g;

const IPV6 =
  /(?<![A-Za-z0-9:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?![A-Za-z0-9:]|\.\d)/g;

const IPV4 = /(?<!\d\.?)\d{1,3}(?:\.\d{1,3}){3}(?!\.?\d)/g;

const CN_ID = /(?<![A-Za-z0-9.,])\d{6}[ -]?\d{8}[ -]?\d{3}[\dXx](?![A-Za-z0-9]|[.,]\d)/g;

const CARD = /(?<![A-Za-z0-9.,])(?:\d{13,19}|\d{3,7}(?:[ -]\d{3,7}){1,5})(?![A-Za-z0-9]|[.,]\d)/g;

const CN_MOBILE = /(?<![A-Za-z0-9.,+])(?:(?:\+|%2[Bb]|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![A-Za-z0-9]|[.,]\d)/g;

const INTERNATIONAL_PHONE = /(?<![A-Za-z0-9.,+])(?:\+|%2[Bb]|(?<![-_])00)[1-9][\d ().-]{5,22}/g;

const NANP_PHONE = /(?<![A-Za-z0-9.,+-])(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}(?![A-Za-z0-9]|[.,-]?\d)/g;

// Province-level prefixes of GB/T 2260 (plus Taiwan 71, Hong Kong 81, Macau 82, 83 for residence permits).
const CN_PROVINCE_CODES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62,
  63, 64, 65, 71, 81, 82, 83, 91,
]);

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

export function looksLikeCnResidentId(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  if (passesMod11_2(id)) return true;
  const year = Number(id.slice(6, 10));
  return (
    CN_PROVINCE_CODES.has(Number(id.slice(0, 2))) &&
    year >= 1900 &&
    year <= 2099 &&
    isCalendarDate(year, Number(id.slice(10, 12)), Number(id.slice(12, 14)))
  );
}

export function looksLikeCardNumber(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && /^[2-6]/.test(digits) && passesLuhn(digits);
}

/** Finds the card inside a run of digit groups, e.g. `4111 1111 1111 1111 2026` (trailing year). */
function acceptCard(match: RegExpExecArray): Span[] {
  const groups: Span[] = [];
  for (const group of match[0].matchAll(/\d+/g)) {
    groups.push({ start: match.index + group.index, end: match.index + group.index + group[0].length });
  }
  const text = match.input;
  const spans: Span[] = [];
  for (let first = 0; first < groups.length; first++) {
    for (let last = groups.length - 1; last >= first; last--) {
      const start = groups[first]!.start;
      const end = groups[last]!.end;
      if (looksLikeCardNumber(text.slice(start, end).replace(/[ -]/g, ''))) spans.push({ start, end });
    }
  }
  return spans;
}

/**
 * The separator class also swallows whatever digits follow the number ("+44 20 7946 0958 13812345678"),
 * so every prefix ending on a digit group is a candidate, longest first.
 */
function acceptInternationalPhone(match: RegExpExecArray): Span[] {
  const prefix = /^(?:\+|%2[Bb]|00)/.exec(match[0])?.[0] ?? '';
  const spans: Span[] = [];
  for (const group of [...match[0].matchAll(/\d+/g)].reverse()) {
    const end = group.index + group[0].length;
    if (end > prefix.length && isPhoneBody(match[0].slice(prefix.length, end), prefix)) {
      spans.push({ start: match.index, end: match.index + end });
    }
  }
  return spans;
}

function isPhoneBody(body: string, prefix: string): boolean {
  const digitCount = body.replace(/\D/g, '').length;
  const minDigits = prefix === '00' ? 9 : 7;
  if (digitCount < minDigits || digitCount > 15) return false;
  // A signed decimal such as "+12345.67" is a number, not a phone.
  if (/^\d+\.\d+$/.test(body)) return false;
  if (/[ .-]{2,}|\(\)|\)\(/.test(body)) return false;
  const opens = body.split('(').length - 1;
  const closes = body.split(')').length - 1;
  if (opens !== closes || opens > 1) return false;
  return opens === 0 || /^[^()]*\(\d{1,4}\)[^()]*$/.test(body);
}

/** Priority order: earlier entries claim text first. */
export const PII_PATTERNS: readonly PiiPattern[] = [
  { kind: 'email', regex: EMAIL, accept: wholeMatch },
  { kind: 'token', regex: JWT, accept: wholeMatch },
  { kind: 'keep', regex: UUID, accept: wholeMatch },
  { kind: 'keep', regex: ISO_DATE_TIME, accept: wholeMatch },
  // Requiring a decimal digit spares prose like `a::b`; real addresses (`::1`, `fe80::…`) nearly always have one.
  { kind: 'ip', regex: IPV6, accept: wholeMatchIf((text) => isIpv6Literal(text) && /\d/.test(text)) },
  { kind: 'ip', regex: IPV4, accept: wholeMatchIf(isIpv4Literal) },
  { kind: 'cn_id', regex: CN_ID, accept: wholeMatchIf((text) => looksLikeCnResidentId(text.replace(/[ -]/g, ''))) },
  { kind: 'card', regex: CARD, accept: acceptCard },
  { kind: 'phone', regex: CN_MOBILE, accept: wholeMatch },
  { kind: 'phone', regex: INTERNATIONAL_PHONE, accept: acceptInternationalPhone },
  { kind: 'phone', regex: NANP_PHONE, accept: wholeMatch },
];
