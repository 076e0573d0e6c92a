/**
 * The analyze command line, as a function of arguments and output streams (scripts/analyze.ts runs
 * it on the process). Exit codes: 0 done, 2 bad usage, spec or input (a precise message, never a
 * stack trace), 1 anything unexpected (the message; the stack only with ANALYZE_DEBUG=1).
 */
import { ANALYSIS_NAMES, buildPersonMap, runAnalysis, SpecError, type AnalysisName } from '@privacy-analytics/core/analytics';
import { isMarketingCommand, runMarketingCommand } from './commands-marketing';
import { isModelCommand, runModelCommand } from './commands-models';
import { errorMessage, InputError, openNativeStore, openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { applyInputOption, CSV_USAGE, defaultInputOptions, requireInputsAndSpec, type InputOptions } from './input-options';
import { basisLine, formatResult } from './format';
import { readSpec, specLabel } from './spec-file';
import { loadInputsReporting } from './inputs';

export const USAGE = `usage: npm run analyze -- <${ANALYSIS_NAMES.join('|')}> --input <path> [--input <path> ...] --spec <spec.json> [options]

  --input PATH          Parquet, NDJSON of Segment messages, CSV / TSV tables of orders or events (gzip allowed), or a directory of them (recursive); times from 1970 on
  --spec FILE|JSON      the analysis spec: a JSON file, or inline JSON starting with {
  --json                print the result as one JSON object instead of tables
  --engine wasm|native  DuckDB-Wasm (default, the browser's engine) or native DuckDB (larger data)
  --anonymise-key KEY   pseudonymise ids (HMAC) and scrub text in NDJSON input, as the edge does
  --site ID             site id for NDJSON rows (default local)
  --skip-bad-lines      load the valid lines of NDJSON files that have bad lines (they are still listed)
${CSV_USAGE}
  --threads N           native engine threads (default: DuckDB's)

Specs are documented in docs/analytics.md.`;

export { UsageError } from '../usage-error';
import { UsageError } from '../usage-error';

export interface CliArgs extends InputOptions {
  analysis: AnalysisName;
  spec: string;
}

const usage = (message: string) => new UsageError(message);

export function parseArgs(argv: readonly string[]): CliArgs {
  const [analysis, ...rest] = argv;
  if (analysis === undefined || analysis === '--help' || analysis === '-h') throw new UsageError('missing analysis');
  if (!(ANALYSIS_NAMES as readonly string[]).includes(analysis)) throw new UsageError(`unknown analysis "${analysis}"; expected one of ${ANALYSIS_NAMES.join(', ')}`);
  const args: InputOptions & { analysis: AnalysisName } = { analysis: analysis as AnalysisName, ...defaultInputOptions() };
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    const [flag, inline] = token.startsWith('--') && token.includes('=') ? [token.slice(0, token.indexOf('=')), token.slice(token.indexOf('=') + 1)] : [token, undefined];
    const value = () => {
      const next = inline ?? rest[++i];
      if (next === undefined || (inline === undefined && next.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    if (!applyInputOption(args, flag!, value, usage)) throw new UsageError(`unknown option "${token}"`);
  }
  requireInputsAndSpec(args, usage);
  return args as CliArgs;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  if (isMarketingCommand(argv[0])) return runMarketingCommand(argv, io);
  if (isModelCommand(argv[0])) return runModelCommand(argv, io);
  let store: EventStore | undefined;
  try {
    const args = parseArgs(argv);
    const spec = await readSpec(args.spec);
    const { ANALYSES } = await import('@privacy-analytics/core/analytics');
    try {
      ANALYSES[args.analysis].parse(spec);
    } catch (error) {
      if (error instanceof SpecError) throw new SpecError(`${specLabel(args.spec)}: ${error.message}`);
      throw error;
    }
    store = args.engine === 'native' ? await openNativeStore(args.threads === undefined ? {} : { threads: args.threads }) : await openWasmStore();
    const report = await loadInputsReporting(store, args, io.err, 'analyze');
    const identity = await buildPersonMap(store);
    const result = await runAnalysis(args.analysis, store, spec);
    if (args.json) io.out(`${JSON.stringify(result)}\n`);
    else {
      io.out(`${args.analysis} on ${report.rows.toLocaleString('en-US')} events (${args.engine}), ${identity.persons.toLocaleString('en-US')} persons, link rate ${(identity.linkRate * 100).toFixed(1)}%\n`);
      io.out(`${basisLine(result.basis)}\n\n`);
      io.out(`${formatResult(args.analysis, result)}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`analyze: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof SpecError || error instanceof InputError) {
      io.err(`analyze: ${error.message}\n`);
      return 2;
    }
    io.err(`analyze: ${errorMessage(error)}\n`);
    if (process.env.ANALYZE_DEBUG === '1' && error instanceof Error) io.err(`${error.stack}\n`);
    return 1;
  } finally {
    await store?.close().catch(() => {});
  }
}
