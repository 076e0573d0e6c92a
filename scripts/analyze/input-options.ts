/**
 * The options every analyze subcommand shares (--input, --spec, --json, --engine, --anonymise-key,
 * --site, --skip-bad-lines, --threads), parsed in one place. A subcommand handles its own extra flags
 * and hands every other one to `applyInputOption`.
 */
import type { EngineKind } from '@privacy-analytics/core/connectors/node';
import { parseMappingText, TABLE_KINDS, TableMappingError, type ColumnMapping, type TableKind } from '@privacy-analytics/core/imports';

export interface InputOptions {
  inputs: string[];
  spec?: string;
  json: boolean;
  engine: EngineKind;
  anonymiseKey?: string;
  site?: string;
  skipBadLines: boolean;
  threads?: number;
  /** CSV inputs: the kind of table (default: guessed from the header). */
  csvKind?: TableKind;
  /** CSV inputs: field=Column pairs over the suggested mapping. */
  csvMap?: ColumnMapping;
  /** CSV inputs: slashed dates are day first (1/12/2010 = 1 December). */
  dayFirst?: boolean;
  /** CSV inputs: the currency of amounts when no currency column is mapped. */
  currency?: string;
}

export function defaultInputOptions(): InputOptions {
  return { inputs: [], json: false, engine: 'wasm', skipBadLines: false };
}

export const INPUT_FLAGS = ['--input', '--spec', '--json', '--engine', '--anonymise-key', '--site', '--skip-bad-lines', '--threads', '--csv-kind', '--csv-map', '--day-first', '--currency'] as const;
export type InputFlag = (typeof INPUT_FLAGS)[number];
/** The shared flags of commands that take no spec and run on one thread (train, score, recommend). */
export const DATA_FLAGS: ReadonlySet<InputFlag> = new Set(['--input', '--json', '--engine', '--anonymise-key', '--site', '--skip-bad-lines', '--csv-kind', '--csv-map', '--day-first', '--currency']);
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
    case '--csv-kind': {
      const kind = value();
      if (!(TABLE_KINDS as readonly string[]).includes(kind)) throw usageError(`--csv-kind must be one of ${TABLE_KINDS.join(', ')}, got "${kind}"`);
      options.csvKind = kind as TableKind;
      return true;
    }
    case '--csv-map':
      try {
        options.csvMap = { ...options.csvMap, ...parseMappingText(value()) };
      } catch (error) {
        if (error instanceof TableMappingError) throw usageError(`--csv-map: ${error.message}`);
        throw error;
      }
      return true;
    case '--day-first':
      options.dayFirst = true;
      return true;
    case '--currency': {
      const currency = value();
      if (!/^[A-Za-z]{3}$/.test(currency)) throw usageError(`--currency must be a 3-letter ISO 4217 code such as USD, got "${currency}"`);
      options.currency = currency.toUpperCase();
      return true;
    }
    default:
      return false;
  }
}

/** The usage lines of the CSV flags, shared by every command that loads inputs. */
export const CSV_USAGE = `  --csv-kind orders|events  what a CSV input holds (default: events if a column names the event, else orders)
  --csv-map F=COL,...   map fields to CSV columns over the suggested mapping (docs/analytics.md, "CSV inputs")
  --day-first           slashed dates in CSV inputs are day/month/year (default month/day/year)
  --currency CODE       currency of CSV amounts when no currency column is mapped`;

/** Every analysis needs data and a spec. */
export function requireInputsAndSpec(options: InputOptions, usageError: (message: string) => Error): void {
  if (options.inputs.length === 0) throw usageError('give at least one --input <path>');
  if (options.spec === undefined) throw usageError('give --spec <spec.json>');
}
