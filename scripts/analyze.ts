/**
 * npm run analyze -- <funnel|retention|paths|segment|rfm> --input <path> [--input <path> ...] --spec <spec.json> [--json] [--engine wasm|native]
 *
 * The dashboard's analytics modules, unchanged, over local Parquet or NDJSON files. See
 * scripts/analyze/cli.ts for the options and docs/analytics.md for the specs.
 */
import { runCli } from './analyze/cli';

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
process.exitCode = code;
