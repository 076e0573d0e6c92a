/**
 * The options every analyze subcommand shares (--input, --spec, --json, --engine, --anonymise-key,
 * --site, --skip-bad-lines, --threads), parsed in one place. A subcommand handles its own extra flags
 * and hands every other one to `applyInputOption`.
 */
import type { EngineKind } from '@privacy-analytics/core/connectors/node';

export interface InputOptions {
  inputs: string[];
  spec?: string;
  json: boolean;
  engine: EngineKind;
  anonymiseKey?: string;
  site?: string;
  skipBadLines: boolean;
  threads?: number;
}

export function defaultInputOptions(): InputOptions {
  return { inputs: [], json: false, engine: 'wasm', skipBadLines: false };
}

export const INPUT_FLAGS = ['--input', '--spec', '--json', '--engine', '--anonymise-key', '--site', '--skip-bad-lines', '--threads'] as const;
export type InputFlag = (typeof INPUT_FLAGS)[number];
/** The shared flags of commands that take no spec and run on one thread (train, score, recommend). */
export const DATA_FLAGS: ReadonlySet<InputFlag> = new Set(['--input', '--json', '--engine', '--anonymise-key', '--site', '--skip-bad-lines']);
const ALL_FLAGS: ReadonlySet<string> = new Set(INPUT_FLAGS);

/**
 * Walks `argv` flag by flag: `--flag value` and `--flag=value` both work. `handle` gets the flag, a reader of its
 * value (which fails with "needs a value" when there is none) and the raw token for error messages.
 */
export function forEachFlag(argv: readonly string[], usageError: (message: string) => Error, handle: (flag: string, value: () => string, token: string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const [flag, inline] = eq > 0 ? [token.slice(0, eq), token.slice(eq + 1)] : [token, undefined];
    const value = () => {
      const next = inline ?? argv[++i];
      if (next === undefined || (inline === undefined && next.startsWith('--'))) throw usageError(`${flag} needs a value`);
      return next;
    };
    handle(flag, value, token);
  }
}

/**
 * Applies one shared flag; false when the flag is not a shared one, or not one of `allowed` (so the caller reports
 * it as unknown). `value()` reads the flag's value.
 */
export function applyInputOption(
  options: InputOptions,
  flag: string,
  value: () => string,
  usageError: (message: string) => Error,
  allowed: ReadonlySet<string> = ALL_FLAGS,
): boolean {
  if (!allowed.has(flag)) return false;
  switch (flag) {
    case '--input':
      options.inputs.push(value());
      return true;
    case '--spec':
      options.spec = value();
      return true;
    case '--json':
      options.json = true;
      return true;
    case '--engine': {
      const engine = value();
      if (engine !== 'wasm' && engine !== 'native') throw usageError(`--engine must be wasm or native, got "${engine}"`);
      options.engine = engine;
      return true;
    }
    case '--anonymise-key':
      options.anonymiseKey = value();
      return true;
    case '--site':
      options.site = value();
      return true;
    case '--skip-bad-lines':
      options.skipBadLines = true;
      return true;
    case '--threads': {
      const raw = value();
      const threads = Number(raw);
      if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw usageError(`--threads must be a whole number from 1 to 256, got "${raw}"`);
      options.threads = threads;
      return true;
    }
    default:
      return false;
  }
}

/** Every analysis needs data and a spec. */
export function requireInputsAndSpec(options: InputOptions, usageError: (message: string) => Error): void {
  if (options.inputs.length === 0) throw usageError('give at least one --input <path>');
  if (options.spec === undefined) throw usageError('give --spec <spec.json>');
}
