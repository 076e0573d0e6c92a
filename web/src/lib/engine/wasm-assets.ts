import manifest from '../../../../wasm/manifest.json';

interface StagedFile {
  file: string;
  package: string;
  version: string;
  sha256: string;
}

const STAGED = new Map((manifest.files as StagedFile[]).map((f) => [f.file, f]));

/** Default location of the staged wasm: /wasm/ on the page's own origin. */
export function defaultWasmBase(): string {
  return new URL('/wasm/', self.location.origin).href;
}

/**
 * URL of a staged file (see scripts/stage-wasm.mjs), versioned by its hash so a browser never mixes a cached
 * old module with new glue code. Throws for files that were not staged: nothing is fetched from elsewhere.
 */
export function wasmAssetUrl(base: string, file: string): string {
  const staged = STAGED.get(file);
  if (!staged) throw new Error(`${file} is not in wasm/manifest.json; add it to scripts/stage-wasm.mjs`);
  return `${base.endsWith('/') ? base : `${base}/`}${file}?v=${staged.sha256.slice(0, 16)}`;
}

