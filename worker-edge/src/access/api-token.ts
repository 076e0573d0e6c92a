import { toHex } from '@privacy-analytics/core/privacy';

/**
 * Tokens issued through the API: `pat.<site>.<id>.<secret>`. The id lets the catalog find the
 * record without searching by secret; the site lets the edge tell "valid, but for another site"
 * (403) from "unknown" (401). Only the SHA-256 of the whole token is stored.
 */
const TOKEN_PATTERN = /^pat\.([a-z0-9][a-z0-9_-]{0,62})\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

export interface ParsedApiToken {
  site: string;
  id: string;
}

export function isApiTokenShaped(token: string): boolean {
  return token.startsWith('pat.');
}

export function parseApiToken(token: string): ParsedApiToken | null {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { site: match[1]!, id: match[2]! } : null;
}

export function newTokenId(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(8)));
}

export function newApiToken(site: string, id: string): string {
  const secret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  return `pat.${site}.${id}.${secret}`;
}

export async function tokenHash(token: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
}

export async function tokenHashHex(token: string): Promise<string> {
  return toHex(await tokenHash(token));
}

/** Constant-time equality of two SHA-256 digests (always 32 bytes, so lengths never leak). */
export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return crypto.subtle.timingSafeEqual(a, b);
}

export function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
