// The staged DuckDB-Wasm workers (scripts/stage-wasm.mjs PATCHES): wasm/ matches node_modules with the patches
// applied, and each worker's start takes the paths the patches choose. That DuckDB starts and answers with them is
// what every dashboard test does in Chromium.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const WORKERS = ['duckdb-browser-mvp.worker.js', 'duckdb-browser-eh.worker.js', 'duckdb-browser-coi.worker.js'];

describe('stage-wasm', () => {
  it('wasm/ holds what stage-wasm makes of node_modules (patches applied)', () => {
    expect(() => execFileSync(process.execPath, [join(ROOT, 'scripts', 'stage-wasm.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
    const manifest = JSON.parse(readFileSync(join(ROOT, 'wasm', 'manifest.json'), 'utf8')) as { files: { file: string; patched?: string }[] };
    for (const name of WORKERS) expect(manifest.files.find((f) => f.file === name)?.patched).toMatch(/instantiateStreaming from fetch/);
  });

  for (const name of WORKERS) {
    it(`${name}: streams the module from fetch and makes GOT entries only for imports`, () => {
      const text = readFileSync(join(ROOT, 'wasm', name), 'utf8');
      // the progress branch (a Response made from a TransformStream, which Chromium cannot code-cache) is never taken
      expect(text).toContain('if(typeof TransformStream=="function"&&!1){');
      expect(text).toContain('WebAssembly.instantiateStreaming(fetch(n),e)');
      expect(text).not.toContain('instantiating without progress handler');
      // no Global per export at start; entries asked for later are made by the GOT proxy and filled here
      expect(text).not.toContain('GOT[r]||(GOT[r]=new WebAssembly.Global({value:"i32",mutable:!0})),(t||GOT[r].value==0)');
      expect(text).toContain('GOT[r]&&(t||GOT[r].value==0)&&(');
      expect(text).toMatch(/reportUndefinedSymbols=\(\)=>\{for\(var\[e,t\]of Object\.entries\(GOT\)\)if\(t\.value==0\)/);
      expect(text).toMatch(/GOTHandler=\{get\(e,t\)\{var r=GOT\[t\];return r\|\|\(r=GOT\[t\]=new WebAssembly\.Global/);
    });
  }
});
