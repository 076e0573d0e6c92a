import { foldText } from './fold-text';
import { base64Candidates, BASE64_RUN, decodeBase64Text } from './opaque-tokens';
import { PII_PATTERNS, placeholder, sortKinds, type PiiKind, type Span } from './pii-patterns';

export type { PiiKind } from './pii-patterns';

export interface ScrubTextResult {
  text: string;
  found: PiiKind[];
}

interface Claim extends Span {
  kind: PiiKind | 'keep';
}

// Every detector needs a digit, '@' (e-mail), ':' (digit-free IPv6 such as "fe80::abcd") or a base64 run,
// once folded (a full-width '＠' is '@' by then).
const MIGHT_CONTAIN_PII = /[\d@:]|[A-Za-z0-9+/_-]{12}/;

/**
 * Replaces e-mails, phones, Chinese resident IDs, payment cards, IP addresses and JWTs with `[kind]`
 * placeholders, matching on the NFKC form of the text. A base64 blob that decodes to text containing
 * any of these is replaced whole by `[token]`. Everything outside a replaced span is returned exactly as
 * given (not normalised).
 */
export function scrubText(text: string): ScrubTextResult {
  const folded = foldText(text);
  const claims = findClaims(folded.text, true);
  const replacements = claims.filter((claim): claim is Claim & { kind: PiiKind } => claim.kind !== 'keep');
  if (replacements.length === 0) return { text, found: [] };
  replacements.sort((a, b) => a.start - b.start);

  let out = '';
  let cursor = 0;
  for (const claim of replacements) {
    const start = folded.originalStart(claim.start);
    // Two claims can map into one original code point (`㈱` folds to three characters); keep the first.
    if (start < cursor) continue;
    out += text.slice(cursor, start) + placeholder(claim.kind);
    cursor = folded.originalEnd(claim.end);
  }
  out += text.slice(cursor);
  return { text: out, found: sortKinds(replacements.map((claim) => claim.kind)) };
}

function findClaims(text: string, decodeBase64: boolean): Claim[] {
  if (!MIGHT_CONTAIN_PII.test(text)) return [];
  const claims: Claim[] = [];
  for (const pattern of PII_PATTERNS) {
    const regex = pattern.regex;
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      const span = pattern
        .accept(match)
        .find((candidate) => candidate.end > candidate.start && !claims.some((claim) => overlaps(claim, candidate)));
      if (span !== undefined) {
        claims.push({ ...span, kind: pattern.kind });
        regex.lastIndex = span.end;
      } else {
        regex.lastIndex = match.index + 1;
      }
    }
  }
  if (decodeBase64) claims.push(...base64Claims(text, claims));
  return claims;
}

/** Base64 blobs hiding personal data; decoded text is checked once (a blob inside a blob is not decoded). */
function base64Claims(text: string, claims: readonly Claim[]): Claim[] {
  const found: Claim[] = [];
  BASE64_RUN.lastIndex = 0;
  for (const run of text.matchAll(BASE64_RUN)) {
    for (const candidate of base64Candidates(run[0])) {
      const span = { start: run.index + candidate.offset, end: run.index + candidate.offset + candidate.text.length };
      if (claims.some((claim) => overlaps(claim, span))) continue;
      const decoded = decodeBase64Text(candidate.text);
      if (decoded === null) continue;
      if (findClaims(foldText(decoded).text, false).some((claim) => claim.kind !== 'keep')) {
        found.push({ ...span, kind: 'token' });
        break;
      }
    }
  }
  return found;
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}
