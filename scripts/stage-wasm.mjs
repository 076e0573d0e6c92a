// Stages the WebAssembly the dashboard runs (DuckDB-Wasm, parquet-wasm, ONNX Runtime Web) from
// node_modules into wasm/, and writes wasm/manifest.json with each file's package, version, size
// and SHA-256. vite.config.ts serves wasm/ at /wasm/ in dev and copies it into the build, so the
// browser never fetches wasm from a CDN. Plain Node with no dependencies.
//
// DuckDB-Wasm's worker scripts are patched on the way (see PATCHES): a faster start for all three builds, and a
// fix for the threaded (COI) build's memory views.
//
//   node scripts/stage-wasm.mjs          stage (copies only files that changed)
//   node scripts/stage-wasm.mjs --check  exit 1 if wasm/ does not match node_modules
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'wasm');

/** What the browser loads, by package. `file` is the staged name under /wasm/. */
export const STAGED = [
  { pkg: '@duckdb/duckdb-wasm', from: 'dist/duckdb-mvp.wasm' },
  { pkg: '@duckdb/duckdb-wasm', from: 'dist/duckdb-eh.wasm' },
  { pkg: '@duckdb/duckdb-wasm', from: 'dist/duckdb-coi.wasm' },
  { pkg: '@duckdb/duckdb-wasm', from: 'dist/duckdb-browser-mvp.worker.js' },
  { pkg: '@duckdb/duckdb-wasm', from: 'dist/duckdb-browser-eh.worker.js' },
  { pkg: '@duckdb/duckdb-wasm', from: 'dist/duckdb-browser-coi.worker.js' },
  { pkg: '@duckdb/duckdb-wasm', from: 'dist/duckdb-browser-coi.pthread.worker.js' },
  { pkg: 'parquet-wasm', from: 'esm/parquet_wasm_bg.wasm' },
  { pkg: 'onnxruntime-web', from: 'dist/ort-wasm-simd-threaded.wasm' },
];

/**
 * DuckDB-Wasm 1.32's COI worker copies query text and Arrow buffers into wasm memory through `Module.HEAPU8`, a
 * view that goes stale when one of DuckDB's threads grows the shared memory; the copy then fails with "RangeError:
 * offset is out of bounds" (https://github.com/duckdb/duckdb-wasm/issues/2256, open). The patch renews the
 * module's views from `Module.wasmMemory` before each of those copies, as Emscripten's own GROWABLE_HEAP_* do.
 */
const HEAP_VIEWS_PRELUDE =
  'function __paFreshHeap(m){var b=m.wasmMemory&&m.wasmMemory.buffer;if(b&&m.HEAPU8.buffer!==b){' +
  'm.HEAP8=new Int8Array(b);m.HEAPU8=new Uint8Array(b);m.HEAP16=new Int16Array(b);m.HEAPU16=new Uint16Array(b);' +
  'm.HEAP32=new Int32Array(b);m.HEAPU32=new Uint32Array(b);m.HEAPF32=new Float32Array(b);m.HEAPF64=new Float64Array(b);' +
  'if(m.HEAP64)m.HEAP64=new BigInt64Array(b);if(m.HEAPU64)m.HEAPU64=new BigUint64Array(b)}return m}\n';
const HEAP_VIEWS = [
  { find: 'this.mod.HEAPU8.subarray(', to: '__paFreshHeap(this.mod).HEAPU8.subarray(', count: 9 },
  { find: 'this.mod.HEAP32[', to: '__paFreshHeap(this.mod).HEAP32[', count: 1 },
  { find: 'function Qr(o,e,t){let r=o.HEAPU8.subarray(', to: 'function Qr(o,e,t){let r=__paFreshHeap(o).HEAPU8.subarray(', count: 1 },
  { find: 'function te(o,e,t){return Sd(o.HEAPU8.subarray(', to: 'function te(o,e,t){return Sd(__paFreshHeap(o).HEAPU8.subarray(', count: 1 },
  { find: 'o.ccall(e,null,t,r);let _=o.HEAPF64[', to: 'o.ccall(e,null,t,r);__paFreshHeap(o);let _=o.HEAPF64[', count: 1 },
];

/**
 * A faster start of every DuckDB build, measured in Chromium on a warm visit (module from the HTTP cache):
 * - **Streaming straight from `fetch`.** The worker pipes the 34-39 MB module through a `TransformStream` to report
 *   download progress, and hands `instantiateStreaming` a new `Response` made from that stream. Such a response has
 *   no URL, so Chromium can never use or store its compiled-code cache for the module, and every byte passes through
 *   JavaScript. The dashboard asks for no progress; the patch takes the worker's own branch without the transform
 *   (and drops that branch's console warning about it).
 * - **A global offset table only for what is imported.** As Emscripten's dynamic linker starts the main module it
 *   makes a `WebAssembly.Global` for each of its 75,000 exports and puts every exported function into the function
 *   table, in case a side module (a DuckDB extension) asks for it later. The dashboard loads no extension. The patch
 *   fills the entries the module itself imports and makes no others; an entry a side module asks for later is made
 *   by the GOT proxy then and filled by Emscripten's `reportUndefinedSymbols`, as for any symbol not known at start.
 *   The link step went from about 580 to 380 ms.
 */
const FAST_START = [
  { find: 'if(typeof TransformStream=="function"){let a=(async()=>{', to: 'if(typeof TransformStream=="function"&&!1){let a=(async()=>{', count: 1 },
  { find: 'console.warn("instantiating without progress handler since transform streams are unavailable");', to: '', count: 1 },
  { find: 'GOT[r]||(GOT[r]=new WebAssembly.Global({value:"i32",mutable:!0})),(t||GOT[r].value==0)&&(', to: 'GOT[r]&&(t||GOT[r].value==0)&&(', count: 1 },
];

/**
 * Each find string must occur exactly `count` times, so an upgraded package fails here instead of shipping
 * unpatched: check whether upstream changed or fixed it, then update or drop the patch.
 */
export const PATCHES = {
  'duckdb-browser-mvp.worker.js': { reason: 'faster start: instantiateStreaming from fetch, GOT entries only for imports', replace: FAST_START },
  'duckdb-browser-eh.worker.js': { reason: 'faster start: instantiateStreaming from fetch, GOT entries only for imports', replace: FAST_START },
  'duckdb-browser-coi.worker.js': {
    reason: 'faster start: instantiateStreaming from fetch, GOT entries only for imports; renew wasm memory views after growth by DuckDB threads (duckdb/duckdb-wasm#2256)',
    prelude: HEAP_VIEWS_PRELUDE,
    replace: [...FAST_START, ...HEAP_VIEWS],
  },
};

function applyPatch(name, source) {
  const patch = PATCHES[name];
  let text = source.toString('utf8');
  for (const { find, to, count } of patch.replace) {
    const found = text.split(find).length - 1;
    if (found !== count) throw new Error(`stage-wasm: patch for ${name} expected ${count} x "${find}", found ${found}; see PATCHES`);
    text = text.replaceAll(find, to);
  }
  const prelude = patch.prelude ?? '';
  const strict = '"use strict";';
  text = text.startsWith(strict) ? strict + prelude + text.slice(strict.length) : prelude + text;
  return Buffer.from(text, 'utf8');
}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

function packageVersion(pkg) {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

export function stageWasm({ check = false } = {}) {
  mkdirSync(OUT, { recursive: true });
  const files = [];
  const stale = [];
  for (const { pkg, from } of STAGED) {
    const source = join(ROOT, 'node_modules', pkg, from);
    if (!existsSync(source)) throw new Error(`stage-wasm: ${pkg} has no ${from}; run npm ci`);
    const name = from.split('/').pop();
    const target = join(OUT, name);
    const original = readFileSync(source);
    const staged = PATCHES[name] ? applyPatch(name, original) : original;
    const hash = sha256(staged);
    const upToDate = existsSync(target) && statSync(target).size === staged.byteLength && sha256(readFileSync(target)) === hash;
    if (!upToDate) {
      if (check) stale.push(name);
      else writeFileSync(target, staged);
    }
    const entry = { file: name, package: pkg, version: packageVersion(pkg), source: from, bytes: staged.byteLength, sha256: hash };
    if (PATCHES[name]) Object.assign(entry, { patched: PATCHES[name].reason, sourceSha256: sha256(original) });
    files.push(entry);
  }
  const manifest = `${JSON.stringify({ note: 'generated by scripts/stage-wasm.mjs; served at /wasm/', files }, null, 2)}\n`;
  const manifestPath = join(OUT, 'manifest.json');
  const current = existsSync(manifestPath) ? readFileSync(manifestPath, 'utf8') : '';
  if (current !== manifest) {
    if (check) stale.push('manifest.json');
    else writeFileSync(manifestPath, manifest);
  }
  return { files, stale };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const { files, stale } = stageWasm({ check });
  if (check && stale.length > 0) {
    console.error(`[stage-wasm] out of date: ${stale.join(', ')} (run node scripts/stage-wasm.mjs)`);
    process.exit(1);
  }
  const mb = files.reduce((n, f) => n + f.bytes, 0) / 2 ** 20;
  console.log(`[stage-wasm] ${files.length} files, ${mb.toFixed(1)} MiB in wasm/ (manifest: wasm/manifest.json)`);
}
