import { createHash, createHmac } from 'node:crypto';

/** Turns an identifier into a stable pseudonym; the raw value never leaves this function. */
export interface IdHasher {
  hashId(value: string): Promise<string>;
}

/**
 * HMAC-SHA256 keyed with a per-site secret (or a daily salt), truncated to 128 bits, hex.
 * node:crypto (nodejs_compat in Workers) is synchronous and several times faster per call than
 * crypto.subtle, which matters at a few HMACs per event.
 */
export class HmacIdHasher implements IdHasher {
  readonly #secret: string | Uint8Array;

  constructor(secret: string | Uint8Array) {
    this.#secret = secret;
  }

  hashIdSync(value: string): string {
    return createHmac('sha256', this.#secret).update(value).digest('hex').slice(0, 32);
  }

  async hashId(value: string): Promise<string> {
    return this.hashIdSync(value);
  }
}

/** For local files analysed on the analyst's own machine with anonymisation off. */
export const identityHasher: IdHasher = { hashId: async (value) => value };

export async function sha256Hex(value: string, bytes = 16): Promise<string> {
  return createHash('sha256').update(value).digest('hex').slice(0, bytes * 2);
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}
