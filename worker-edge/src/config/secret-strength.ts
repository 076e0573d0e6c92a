/**
 * Configured bearer tokens and hash keys must carry at least 32 random bytes (256 bits). Randomness cannot be
 * measured from one string, so this refuses what is visibly weaker: fewer characters than 32 random bytes take in
 * base64url (43), an estimate below 256 bits from the characters' alphabet (hex digits count 4 bits each, the base64
 * alphabet 6, any other mix log2 of the character classes it draws from), or one character making up over a quarter
 * of the string. `openssl rand -base64 32` or `openssl rand -hex 32` always passes.
 */
export const MIN_SECRET_BITS = 256;
export const MIN_SECRET_CHARS = 43;

const CLASSES: ReadonlyArray<{ pattern: RegExp; size: number }> = [
  { pattern: /[a-z]/, size: 26 },
  { pattern: /[A-Z]/, size: 26 },
  { pattern: /[0-9]/, size: 10 },
  { pattern: /[^a-zA-Z0-9]/, size: 33 },
];

/** Estimated bits of a secret; an upper bound, since a human-chosen string has far fewer. */
export function estimatedSecretBits(secret: string): number {
  if (/^[0-9a-f]+$/i.test(secret)) return secret.length * 4;
  if (/^[A-Za-z0-9+/_-]+=*$/.test(secret)) return secret.replace(/=+$/, '').length * 6;
  const alphabet = CLASSES.reduce((sum, { pattern, size }) => sum + (pattern.test(secret) ? size : 0), 0);
  return secret.length * Math.log2(alphabet);
}

/** Why `secret` is too weak for a token or hash key, or null when it passes. Never quotes the secret. */
export function secretWeakness(secret: string): string | null {
  if (secret.length < MIN_SECRET_CHARS) {
    return `has ${secret.length} characters; at least ${MIN_SECRET_CHARS} are needed to hold 32 random bytes (base64url)`;
  }
  const bits = estimatedSecretBits(secret);
  if (bits < MIN_SECRET_BITS) return `carries about ${Math.floor(bits)} bits; at least ${MIN_SECRET_BITS} (32 random bytes) are needed`;
  const counts = new Map<string, number>();
  for (const char of secret) counts.set(char, (counts.get(char) ?? 0) + 1);
  const most = Math.max(...counts.values());
  if (most * 4 > secret.length) return `repeats one character ${most} times in ${secret.length}; it does not look random`;
  return null;
}
