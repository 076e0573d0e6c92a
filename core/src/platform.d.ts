// The few platform APIs core may use: each exists alike in Node 20, Cloudflare Workers (nodejs_compat) and
// browsers. Declared here by hand, not through DOM, Workers or Node types, so that any other runtime API in
// core fails to compile (see core/tsconfig.json). The connectors and test helpers are checked with Node's
// types instead (core/tsconfig.node.json), and never import from here.

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class TextDecoder {
  constructor(label?: 'utf-8', options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}

declare function atob(data: string): string;

declare class URLSearchParams implements Iterable<[string, string]> {
  constructor(init?: string | Record<string, string> | Iterable<[string, string]>);
  append(name: string, value: string): void;
  get(name: string): string | null;
  has(name: string): boolean;
  toString(): string;
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

declare class URL {
  constructor(url: string, base?: string | URL);
  readonly origin: string;
  protocol: string;
  hostname: string;
  host: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
  readonly searchParams: URLSearchParams;
  href: string;
  toString(): string;
}

interface CoreCryptoKey {
  readonly type: string;
}

declare const crypto: {
  randomUUID(): string;
  getRandomValues<T extends Uint8Array | Uint32Array>(array: T): T;
  readonly subtle: {
    importKey(format: 'raw', keyData: Uint8Array, algorithm: { name: 'HMAC'; hash: 'SHA-256' }, extractable: boolean, usages: readonly 'sign'[]): Promise<CoreCryptoKey>;
    sign(algorithm: 'HMAC', key: CoreCryptoKey, data: Uint8Array): Promise<ArrayBuffer>;
    digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer>;
  };
};

// Node's crypto module; Workers provide it under nodejs_compat. Synchronous hashing keeps the normaliser simple.
declare module 'node:crypto' {
  interface Hash {
    update(data: string | Uint8Array): Hash;
    digest(encoding: 'hex'): string;
  }
  export function createHash(algorithm: 'sha256'): Hash;
  export function createHmac(algorithm: 'sha256', key: string | Uint8Array): Hash;
}

declare function setTimeout(callback: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;

interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
}
