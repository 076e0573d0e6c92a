declare module '*.wasm' {
  const wasmModule: WebAssembly.Module;
  export default wasmModule;
}
declare module '*.min.js.txt' {
  const text: string;
  export default text;
}
// The slice of node:crypto the edge and its tests use (nodejs_compat); declared here so the worker build does not
// pull in all of @types/node beside the Workers types.
declare module 'node:crypto' {
  interface Digest {
    update(data: string | Uint8Array): Digest;
    digest(encoding: 'hex'): string;
  }
  export function createHmac(algorithm: 'sha256', key: string | Uint8Array): Digest;
  export function createHash(algorithm: 'sha256'): Digest;
  export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}
