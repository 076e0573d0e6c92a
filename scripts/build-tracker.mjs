// Builds the first-party browser tracker (worker-edge/src/ingest/tracker/tracker.ts) into a minified IIFE that
// the worker imports as a Text module and serves at GET /t.js. Run by the npm scripts that start wrangler and by the
// test harness (scripts/harness/local-edge.ts); also usable directly: `node scripts/build-tracker.mjs`. Prints the minified and gzipped size (target: < 3 KB gzipped).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'worker-edge/src/ingest/tracker');
// Outside the tracker's source folder, beside the worker's sources rather than among them.
const out = join(root, 'worker-edge/generated/tracker.min.js.txt');
const GZIP_BUDGET = 3 * 1024;

const result = await build({
  entryPoints: [join(dir, 'tracker.ts')],
  bundle: true,
  write: false,
  minify: true,
  format: 'iife',
  target: 'es2017',
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
});

const code = result.outputFiles[0].text;
let previous = null;
try {
  previous = readFileSync(out, 'utf8');
} catch {
  // first build
}
// Only write when the output changed: wrangler's bundler watches the file it imports, so a rewrite of the same bytes
// would still reload the runtime and cut off requests in flight.
if (previous !== code) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
}

// wrangler.toml serves the built dashboard from dist/web ([assets]); wrangler refuses to start when that directory is
// missing, so an edge started before any dashboard build (the edge tests) gets an empty one.
mkdirSync(join(root, 'dist/web'), { recursive: true });

const gz = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${n} B (${(n / 1024).toFixed(2)} KB)`;
console.log(`tracker: ${relative(root, out)} minified ${kb(Buffer.byteLength(code))}, gzipped ${kb(gz)}`);
if (gz > GZIP_BUDGET) console.warn(`tracker: WARNING gzipped size exceeds the ${GZIP_BUDGET} B budget`);
