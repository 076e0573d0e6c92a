const encoder = new TextEncoder();

/** Turns an identifier into a stable pseudonym; the raw value never leaves this function. */
export interface IdHasher {
  hashId(value: string): Promise<string>;
}

/** HMAC-SHA256 keyed with a per-site secret (or a daily salt), truncated to 128 bits, hex. */
export class HmacIdHasher implements IdHasher {
  readonly #key: Promise<CryptoKey>;

  constructor(secret: string | Uint8Array) {
    const raw = typeof secret === 'string' ? encoder.encode(secret) : secret;
    this.#key = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  }

  async hashId(value: string): Promise<string> {
    const mac = await crypto.subtle.sign('HMAC', await this.#key, encoder.encode(value));
    return toHex(new Uint8Array(mac, 0, 16));
  }
}

/** For local files analysed on the analyst's own machine with anonymisation off. */
export const identityHasher: IdHasher = { hashId: async (value) => value };

export async function sha256Hex(value: string, bytes = 16): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(value));
  return toHex(new Uint8Array(digest, 0, bytes));
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}
