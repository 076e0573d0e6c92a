import { classifyKey, normaliseIdentifier, type KeyTreatment } from './pii-keys';
import { sortKinds, type PiiKind } from './pii-patterns';
import { scrubText } from './scrub-text';

/**
 * Deep-scrubs a parsed JSON value (event properties, traits, context).
 *
 * - Strings anywhere (object keys included) go through `scrubText`, then are cut to `maxStringLength`.
 *   Scrubbing happens before the cut so a cut can never leave half an e-mail behind.
 * - Values under keys naming personal identifiers are hashed or replaced by '[redacted]'; the full key
 *   list and the reasoning for hashed vs redacted live in `pii-keys.ts`. Arrays inherit their key's
 *   treatment (`emails: [...]`); objects under a hashed key are walked normally, objects under a
 *   redacted key are redacted whole. Null and booleans are kept everywhere: they identify no one.
 * - Numbers are scrubbed like strings, under any key: a number whose digits `scrubText` recognises
 *   (`contact: 13812345678`, `ref: 4111111111111111`) becomes that placeholder string (`"[phone]"`,
 *   `"[card]"`); any other number stays a number. Integers are read as written (13812345678, not
 *   1.3812345678e10). Integers beyond 2^53 reach the edge already rounded by JSON parsing and are read as
 *   rounded (an 18-digit id number still matches by its region and birth date).
 * - With `personTraits` (identify traits), top-level keys that name the person there (`name`) are
 *   redacted too; see `pii-keys.ts`.
 * - Containers nested deeper than `maxDepth` become '[truncated]'.
 * - Values JSON cannot carry (undefined, functions, bigint, class instances) become null.
 * - Two keys that scrub to the same text (two e-mail addresses used as keys) collapse into one; the later wins.
 */

export const REDACTED = '[redacted]';
export const TRUNCATED = '[truncated]';

export interface ScrubJsonOptions {
  hashIdentifier: (value: string) => Promise<string>;
  /** Container nesting levels kept; the root container is level 1. Default 8. */
  maxDepth?: number;
  /** Characters kept per string after scrubbing. Default 1024. */
  maxStringLength?: number;
  /** The value is a person's traits (an identify call): its top-level `name` is the person's. */
  personTraits?: boolean;
  /** The site's country calling code for phone numbers written without one (pii-keys.ts IdentifierOptions). */
  phoneCountryCode?: string | undefined;
}

export interface ScrubJsonResult {
  value: unknown;
  found: PiiKind[];
  truncated: boolean;
}

interface Walk {
  hashIdentifier: (value: string) => Promise<string>;
  maxDepth: number;
  maxStringLength: number;
  personTraits: boolean;
  phoneCountryCode: string | undefined;
  found: Set<PiiKind>;
  truncated: boolean;
}

export async function scrubJson(value: unknown, opts: ScrubJsonOptions): Promise<ScrubJsonResult> {
  const walk: Walk = {
    hashIdentifier: opts.hashIdentifier,
    maxDepth: positiveInteger('maxDepth', opts.maxDepth ?? 8, 0),
    maxStringLength: positiveInteger('maxStringLength', opts.maxStringLength ?? 1024, 1),
    personTraits: opts.personTraits ?? false,
    phoneCountryCode: opts.phoneCountryCode,
    found: new Set(),
    truncated: false,
  };
  const scrubbed = await scrubNode(value, 0, null, walk);
  return { value: scrubbed, found: sortKinds(walk.found), truncated: walk.truncated };
}

function positiveInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`scrubJson: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

async function scrubNode(value: unknown, depth: number, treatment: KeyTreatment | null, walk: Walk): Promise<unknown> {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') return scrubLeaf(value, treatment, walk);
  if (typeof value === 'number') return scrubLeaf(value, treatment, walk);

  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) return null;
  if (treatment?.action === 'redact') return redactLeaf(null, treatment, walk);
  if (depth >= walk.maxDepth) {
    walk.truncated = true;
    return TRUNCATED;
  }

  if (isArray) {
    const items: unknown[] = [];
    for (const item of value) items.push(await scrubNode(item, depth + 1, treatment, walk));
    return items;
  }
  const entries: [string, unknown][] = [];
  for (const [key, child] of Object.entries(value)) {
    // Object.fromEntries defines own properties, so a "__proto__" key cannot touch the prototype.
    const treatment = classifyKey(key, { personTrait: walk.personTraits && depth === 0 });
    entries.push([scrubString(key, walk), await scrubNode(child, depth + 1, treatment, walk)]);
  }
  return Object.fromEntries(entries);
}

async function scrubLeaf(value: string | number, treatment: KeyTreatment | null, walk: Walk): Promise<unknown> {
  if (treatment?.action === 'redact') {
    if (value === '') return value;
    return redactLeaf(typeof value === 'string' ? value : String(value), treatment, walk);
  }
  if (treatment?.action === 'hash') {
    const text = typeof value === 'number' ? numberText(value) : value;
    const normalised = text === null ? null : normaliseIdentifier(text, treatment.normalise, { phoneCountryCode: walk.phoneCountryCode });
    if (normalised !== null) {
      if (treatment.normalise === 'email') walk.found.add('email');
      if (treatment.normalise === 'phone') walk.found.add('phone');
      return walk.hashIdentifier(normalised);
    }
  }
  return typeof value === 'number' ? scrubNumber(value, walk) : scrubString(value, walk);
}

function scrubNumber(value: number, walk: Walk): number | string {
  const text = numberText(value);
  if (text === null) return value;
  const scrubbed = scrubText(text);
  if (scrubbed.found.length === 0) return value;
  for (const kind of scrubbed.found) walk.found.add(kind);
  return scrubbed.text;
}

function redactLeaf(text: string | null, treatment: KeyTreatment & { action: 'redact' }, walk: Walk): string {
  if (treatment.kind !== null) walk.found.add(treatment.kind);
  // Still scanned so `found` reports what was there (e.g. a cn_id under `id_card`).
  if (text !== null) for (const kind of scrubText(text).found) walk.found.add(kind);
  return REDACTED;
}

function scrubString(text: string, walk: Walk): string {
  const scrubbed = scrubText(text);
  for (const kind of scrubbed.found) walk.found.add(kind);
  if (scrubbed.text.length <= walk.maxStringLength) return scrubbed.text;
  walk.truncated = true;
  let cut = scrubbed.text.slice(0, walk.maxStringLength);
  // Never leave half of a surrogate pair at the end.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

/** Integer digits as written (13812345678, not 1.3812345678e10); null for values no identifier can have. */
function numberText(value: number): string | null {
  if (!Number.isFinite(value)) return null;
  return Number.isSafeInteger(value) ? value.toFixed(0) : String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
