import { PII_PATTERNS, placeholder, sortKinds, type PiiKind, type Span } from './pii-patterns';

export type { PiiKind } from './pii-patterns';

export interface ScrubTextResult {
  text: string;
  found: PiiKind[];
}

interface Claim extends Span {
  kind: PiiKind | 'keep';
}

// Every detector needs a digit, '@' (e-mail) or ':' (digit-free IPv6 such as "fe80::abcd").
const MIGHT_CONTAIN_PII = /[\d@:]/;

/** Replaces e-mails, phones, Chinese resident IDs, payment cards and IP addresses with `[kind]` placeholders. */
export function scrubText(text: string): ScrubTextResult {
  if (!MIGHT_CONTAIN_PII.test(text)) return { text, found: [] };

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

  const replacements = claims.filter((claim): claim is Claim & { kind: PiiKind } => claim.kind !== 'keep');
  if (replacements.length === 0) return { text, found: [] };
  replacements.sort((a, b) => a.start - b.start);

  let out = '';
  let cursor = 0;
  for (const claim of replacements) {
    out += text.slice(cursor, claim.start) + placeholder(claim.kind);
    cursor = claim.end;
  }
  out += text.slice(cursor);
  return { text: out, found: sortKinds(replacements.map((claim) => claim.kind)) };
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}
