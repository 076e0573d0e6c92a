/**
 * npm run train -- <churn|propensity|recommend> --input <path> [--input <path> ...] --out <dir> [options]
 *
 * Trains a model on local Parquet or NDJSON events with the TypeScript trainers in models/train (the
 * same code the dashboard can run in a worker) and writes <out>/<name>.onnx, <name>.card.json and
 * <name>.card.md (and <name>.ids.json for recommend). Deterministic for a seed and the same input.
 * Exit codes: 0 done, 2 bad usage or input (a precise message), 1 anything unexpected.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildPersonMap } from '@privacy-analytics/core/analytics';
import { errorMessage, InputError, openNativeStore, openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { applyInputOption, CSV_USAGE, DATA_FLAGS, defaultInputOptions, forEachFlag, type InputOptions } from './analyze/input-options';
import { loadInputsReporting } from './analyze/inputs';
import { generateDemoEvents, type PersonTruth } from '@privacy-analytics/core/demo-data';
import { metricsSummary, PERSON_TASK_NAMES, renderCard, TrainingDataError, trainPersonModel, trainRecommender, type ModelCard, type PersonTask } from '@privacy-analytics/models/train';

const TASKS = [...PERSON_TASK_NAMES, 'recommend'] as const;
type Task = (typeof TASKS)[number];

export const USAGE = `usage: npm run train -- <${TASKS.join('|')}> --input <path> [--input <path> ...] --out <dir> [options]

  --input PATH          Parquet, NDJSON of Segment messages, CSV / TSV tables of orders or events (gzip allowed), or a directory of them (recursive); times from 1970 on
  --out DIR             where to write <name>.onnx, <name>.card.json, <name>.card.md (recommend: also <name>.ids.json)
  --json                print the card's headline metrics as JSON
  --name NAME           file name stem (default: the task)
  --seed N              random seed (default 42)
  --horizon-days N      churn / propensity label horizon (default 21 / 7): churn is this many days without an event
  --lead-days N         days from the score to the start of the label window (churn default 7: warned 7 days ahead; propensity 0)
  --calibrate           churn / propensity: Platt scaling on the validation window
  --demo-truth SPEC     demo data only: regenerate the ground truth to report the ceiling AUC, e.g.
                        events=200000,days=90[,seed=42][,start=2026-10-24] (the options the data was generated with;
                        needs raw ids, i.e. NDJSON input without --anonymise-key)
  --engine wasm|native  DuckDB-Wasm (default) or native DuckDB
  --anonymise-key KEY   pseudonymise ids in NDJSON input, as the edge does
  --site ID             site id for NDJSON rows (default local)
  --skip-bad-lines      load the valid lines of NDJSON files that have bad lines
${CSV_USAGE}

Models and cards are documented in docs/models.md.`;

export { UsageError } from './usage-error';
import { UsageError } from './usage-error';

export interface TrainArgs extends Omit<InputOptions, 'spec' | 'threads'> {
  task: Task;
  out: string;
  name?: string;
  seed: number;
  horizonDays?: number;
  leadDays?: number;
  calibrate: boolean;
  demoTruth?: { events: number; days: number; seed: number; start: string };
}

function parseInteger(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

function parseDemoTruth(raw: string): NonNullable<TrainArgs['demoTruth']> {
  const fields = new Map<string, string>();
  for (const part of raw.split(',')) {
    const [key, value] = part.split('=');
    if (!key || value === undefined || !['events', 'days', 'seed', 'start'].includes(key)) throw new UsageError(`--demo-truth expects events=N,days=N[,seed=N][,start=YYYY-MM-DD], got "${raw}"`);
    fields.set(key, value);
  }
  if (!fields.has('events') || !fields.has('days')) throw new UsageError(`--demo-truth needs events= and days=, got "${raw}"`);
  const start = fields.get('start') ?? '2026-10-24';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(`${start}T00:00:00Z`))) throw new UsageError(`--demo-truth start must be YYYY-MM-DD, got "${start}"`);
  return {
    events: parseInteger('--demo-truth events', fields.get('events')!, 1000, 10_000_000),
    days: parseInteger('--demo-truth days', fields.get('days')!, 1, 3660),
    seed: parseInteger('--demo-truth seed', fields.get('seed') ?? '42', 0, Number.MAX_SAFE_INTEGER),
    start,
  };
}

export function parseArgs(argv: readonly string[]): TrainArgs {
  const [task, ...rest] = argv;
  if (task === undefined || task === '--help' || task === '-h') throw new UsageError('missing task');
  if (!(TASKS as readonly string[]).includes(task)) throw new UsageError(`unknown task "${task}"; expected one of ${TASKS.join(', ')}`);
  const args: Partial<TrainArgs> & InputOptions = { ...defaultInputOptions(), task: task as Task, seed: 42, calibrate: false };
  const usage = (message: string) => new UsageError(message);
  forEachFlag(rest, usage, (flag, value, token) => {
    switch (flag) {
      case '--out':
        args.out = value();
        return;
      case '--name': {
        const name = value();
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new UsageError(`--name must be a file name stem of letters, digits, dot, dash, underscore, got "${name}"`);
        args.name = name;
        return;
      }
      case '--seed':
        args.seed = parseInteger('--seed', value(), 0, 2 ** 31 - 1);
        return;
      case '--horizon-days':
        args.horizonDays = parseInteger('--horizon-days', value(), 1, 365);
        return;
      case '--lead-days':
        args.leadDays = parseInteger('--lead-days', value(), 0, 60);
        return;
      case '--calibrate':
        args.calibrate = true;
        return;
      case '--demo-truth':
        args.demoTruth = parseDemoTruth(value());
        return;
      default:
        if (!applyInputOption(args, flag, value, usage, DATA_FLAGS)) throw new UsageError(`unknown option "${token}"`);
    }
  });
  if (args.inputs.length === 0) throw new UsageError('give at least one --input <path>');
  if (args.out === undefined) throw new UsageError('give --out <dir>');
  if (args.task === 'recommend' && (args.horizonDays !== undefined || args.leadDays !== undefined || args.calibrate)) throw new UsageError('--horizon-days, --lead-days and --calibrate apply to churn and propensity only');
  return args as TrainArgs;
}

function demoTruth(spec: NonNullable<TrainArgs['demoTruth']>): PersonTruth[] {
  const truth: PersonTruth[] = [];
  const messages = generateDemoEvents({ seed: spec.seed, events: spec.events, days: spec.days, start: new Date(`${spec.start}T00:00:00Z`), onPerson: (p) => truth.push({ ...p, anonymousIds: [...p.anonymousIds] }) });
  for (const _ of messages) {
    // the truth arrives through onPerson as the messages are produced
  }
  return truth;
}

/** Writes a file through a temporary name, so a failed run never leaves half a model. */
async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const partial = `${path}.partial`;
  await writeFile(partial, data);
  await rename(partial, path);
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export async function runTrain(argv: readonly string[], io: Io): Promise<number> {
  let store: EventStore | undefined;
  try {
    const args = parseArgs(argv);
    const log = (line: string) => io.err(`${line}\n`);
    store = args.engine === 'native' ? await openNativeStore() : await openWasmStore();
    const loadBegan = performance.now();
    const report = await loadInputsReporting(store, args, io.err, 'train');
    const identity = await buildPersonMap(store);
    log(`[train] loaded ${report.rows.toLocaleString('en-US')} events (${identity.persons.toLocaleString('en-US')} persons) in ${((performance.now() - loadBegan) / 1000).toFixed(1)} s`);
    const name = args.name ?? args.task;
    await mkdir(args.out, { recursive: true });
    let card: ModelCard;
    const files: string[] = [];
    if (args.task === 'recommend') {
      const trained = await trainRecommender(store, { seed: args.seed, name, log });
      card = trained.card;
      await writeAtomically(join(args.out, `${name}.ids.json`), `${JSON.stringify(trained.ids)}\n`);
      await writeAtomically(join(args.out, `${name}.onnx`), trained.onnx);
      files.push(`${name}.onnx`, `${name}.ids.json`);
    } else {
      const truth = args.demoTruth ? demoTruth(args.demoTruth) : undefined;
      const trained = await trainPersonModel(store, { task: args.task as PersonTask, seed: args.seed, name, log, calibrate: args.calibrate, ...(args.horizonDays ? { horizonDays: args.horizonDays } : {}), ...(args.leadDays !== undefined ? { leadDays: args.leadDays } : {}), ...(truth ? { truth } : {}) });
      if (truth && !trained.card.metrics.ceiling) io.err('train: --demo-truth matched no person of the input (are the ids pseudonymised, or the generator options different?); no ceiling reported\n');
      card = trained.card;
      await writeAtomically(join(args.out, `${name}.onnx`), trained.onnx);
      files.push(`${name}.onnx`);
    }
    await writeAtomically(join(args.out, `${name}.card.json`), `${JSON.stringify(card, null, 2)}\n`);
    await writeAtomically(join(args.out, `${name}.card.md`), renderCard(card));
    files.push(`${name}.card.json`, `${name}.card.md`);
    const summary = metricsSummary(card);
    if (args.json) io.out(`${JSON.stringify({ ...summary, files: files.map((f) => join(args.out, f)) })}\n`);
    else io.out(`${renderCard(card)}\nwrote ${files.map((f) => join(args.out, f)).join(', ')}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`train: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof InputError || error instanceof TrainingDataError) {
      io.err(`train: ${error.message}\n`);
      return 2;
    }
    io.err(`train: ${errorMessage(error)}\n`);
    if (process.env.TRAIN_DEBUG === '1' && error instanceof Error) io.err(`${error.stack}\n`);
    return 1;
  } finally {
    await store?.close().catch(() => {});
  }
}

const entry = (process.argv[1] ?? '').replace(/\\/g, '/');
if (/\/scripts\/train\.(ts|js|mjs)$/.test(entry)) {
  runTrain(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then((code) => {
    process.exitCode = code;
  });
}
