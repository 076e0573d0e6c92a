/**
 * Contact keys: the e-mail addresses, phone numbers, member ids and device ids a message carries, normalised and
 * hashed exactly as the scrubber hashes them inside `properties`, gathered under one reserved top-level property so
 * identity mapping can link persons on them (an online visit and an offline order with the same phone number are one
 * person) without knowing every language's key names:
 *
 *   "$ids": "email:<hash> phone:<hash> member:<hash> device:<hash>"
 *
 * Read from the top level of identify traits, and of track / page / screen properties and `context.traits`. Keys are
 * recognised by `classifyKey` (pii-keys.ts: `email`, `手机号`, `member_id`, `device_id`, `idfa`, ...). A client cannot
 * write `$ids` itself: the normaliser drops a sent one. At most MAX_CONTACT_KEYS per message.
 */
import { classifyKey, normaliseIdentifier, type IdentifierOptions } from '../privacy/pii-keys';

export const CONTACT_KEYS_PROPERTY = '$ids';
export const CONTACT_KINDS = ['email', 'phone', 'member', 'device'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];
const MAX_CONTACT_KEYS = 8;

function kindOf(key: string, normalise: string): ContactKind {
  if (normalise === 'email' || normalise === 'phone') return normalise;
  if (normalise === 'lowercase' || /device/i.test(key)) return 'device';
  return 'member';
}

/** The contact keys of the given objects' top-level values as `kind:hash` tokens, sorted; null when none. */
export async function contactKeys(sources: readonly unknown[], hashId: (value: string) => Promise<string>, options: IdentifierOptions = {}): Promise<string | null> {
  const tokens = new Set<string>();
  for (const source of sources) {
    if (source === null || typeof source !== 'object' || Array.isArray(source)) continue;
    for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
      if (tokens.size >= MAX_CONTACT_KEYS) break;
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isSafeInteger(value))) continue;
      const treatment = classifyKey(key);
      if (treatment?.action !== 'hash') continue;
      const normalised = normaliseIdentifier(String(value), treatment.normalise, options);
      if (normalised === null || /["\\]/.test(normalised)) continue;
      // Hashes are hex; unhashed local files (no key) keep the normalised value, whose spaces would split the token.
      tokens.add(`${kindOf(key, treatment.normalise)}:${(await hashId(normalised)).replace(/\s+/g, '_')}`);
    }
  }
  return tokens.size ? [...tokens].sort().join(' ') : null;
}
