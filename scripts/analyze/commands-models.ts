/**
 * The model subcommands of the analyze CLI, run by onnxruntime-web (wasm backend) on local events:
 *
 *   npm run analyze -- score --model models/churn.onnx --input <path> [--as-of DATE] [--json]
 *     -> {"persons":[{"person":"<user id>","score":0.83}, ...]}   (highest score first)
 *   npm run score -- --model models/churn.onnx --input <edge Parquet> --audience "Churn risk" [--holdout 0.1] [--deliver --site SITE]
 *     -> the at-risk list (score >= the model's threshold) with drivers, as an audience delivery (at-risk-audience.ts)
 *   npm run analyze -- recommend --model models/recommend.onnx --input <path> [--k 10] [--include-seen] [--json]
 *     -> {"recommendations":[{"person":"<user id>","items":[{"item":"<product id>","score":0.91}]}, ...]}
 *
 * `score` scores the persons the model was trained for (seen in its `activeDays` before the cut-off,
 * by default the UTC midnight after the last event). `recommend` covers every person in the input and
 * leaves out products they already bought unless --include-seen. `person` is the identity map's
 * person key: the user id when known, else the anonymous id (raw ids with NDJSON input and no
 * --anonymise-key). Exit codes as the rest of the CLI: 0 done, 2 bad usage, model or input, 1 other.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { buildPersonMap, parseInstant } from '@privacy-analytics/core/analytics';
import { explainScore } from '@privacy-analytics/models/train';
import { FeatureSchemaError } from '@privacy-analytics/models/features';
import { openOrtScorer, OrtError } from '@privacy-analytics/models/onnx/node';
import { OnnxFormatError } from '@privacy-analytics/models/onnx';
import { atRiskList, DEFAULT_DRIVERS, IdMapError, parseIdMap, personModelInput, rankPersons, readModel, recommendationInput, topItems, type LoadedModel, type RecommenderIds } from '@privacy-analytics/models/score';
import { AudienceError, checkAudienceOptions, queueDeliveries, riskDeliveryRequests, type AudienceOptions, type EdgeTarget } from './at-risk-audience';
import { errorMessage, InputError, openNativeStore, openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { applyInputOption, CSV_USAGE, DATA_FLAGS, defaultInputOptions, forEachFlag, type InputOptions } from './input-options';
import { loadInputsReporting } from './inputs';

export const MODEL_COMMANDS = ['score', 'recommend'] as const;
export type ModelCommand = (typeof MODEL_COMMANDS)[number];

export const MODEL_USAGE = `usage: npm run analyze -- score --model <file.onnx> --input <path> [--input <path> ...] [--as-of DATE] [--json] [options]
       npm run analyze -- recommend --model <file.onnx> --input <path> [--k 10] [--include-seen] [--ids <file.ids.json>] [--json] [options]

  --model FILE          a model written by npm run train (churn / propensity for score, recommend for recommend)
  --input PATH          Parquet, NDJSON of Segment messages, CSV / TSV tables of orders or events (gzip allowed), or a directory of them (recursive); times from 1970 on
  --as-of DATE          score: the cut-off (YYYY-MM-DD or ISO time; default the UTC midnight after the last event)
  --explain N           score: add each person's N features that move the score most ("drivers", logit units)
  --at-risk             score: only persons at or above the model's threshold (chosen on validation, in its card), with drivers (3 unless --explain)
  --threshold X         score --at-risk: another threshold in (0, 1)
  --audience NAME       score: write the at-risk list as an audience (implies --at-risk): members are edge pseudonyms with score and drivers
  --holdout SHARE       audience: control share kept back by the edge, 0 to 0.5 (default 0.1)
  --channel NAME        audience: a marketing channel (email, sms, push, ...): consent, caps and quiet days apply at the edge
  --audience-id ID      audience: the edge's audience id, the holdout draw's key (default from the name)
  --audience-out FILE   audience: write {"requests": [<POST …/audiences/deliveries body>, ...]} to FILE
  --deliver             audience: queue it at the edge (--site, --edge or EDGE_URL, --token or ANALYTICS_TOKEN)
  --edge URL            the edge origin for --deliver
  --token TOKEN         an analyst token for --deliver
  --k N                 recommend: products per person (default 10)
  --include-seen        recommend: keep products the person already bought
  --ids FILE            recommend: the id map (default: <model>.ids.json beside the model)
  --json                print JSON instead of a table
  --limit N             table output: rows shown (default 20; JSON always has every person)
  --engine wasm|native  DuckDB-Wasm (default) or native DuckDB
  --anonymise-key KEY   pseudonymise ids (HMAC) and scrub text in NDJSON input, as the edge does
  --site ID             site id for NDJSON rows (default local)
  --skip-bad-lines      load the valid lines of NDJSON files that have bad lines
${CSV_USAGE}

Models are documented in docs/models.md.`;

export class ModelUsageError extends Error {
  override name = 'ModelUsageError';
}

export interface ModelCommandArgs extends Omit<InputOptions, 'spec' | 'threads'> {
  command: ModelCommand;
  model: string;
  asOf?: number;
  explain: number;
  k: number;
  includeSeen: boolean;
  ids?: string;
  limit: number;
  atRisk: boolean;
  threshold?: number;
  audience?: AudienceOptions;
  audienceOut?: string;
  deliver?: { edge?: string; token?: string };
}

export function isModelCommand(name: string | undefined): name is ModelCommand {
  return (MODEL_COMMANDS as readonly string[]).includes(name ?? '');
}

function positiveInteger(flag: string, raw: string, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new ModelUsageError(`${flag} must be a whole number from 1 to ${max}, got "${raw}"`);
  return value;
}

export function parseModelArgs(argv: readonly string[]): ModelCommandArgs {
  const [command, ...rest] = argv;
  if (!isModelCommand(command)) throw new ModelUsageError(`unknown command "${command}"; expected ${MODEL_COMMANDS.join(' or ')}`);
  const args: Partial<ModelCommandArgs> & InputOptions = { ...defaultInputOptions(), command, explain: 0, k: 10, includeSeen: false, limit: 20, atRisk: false };
  const audience: Partial<AudienceOptions> = {};
  const deliver: { on?: boolean; edge?: string; token?: string } = {};
  const only = (flag: string, allowed: ModelCommand) => {
    if (command !== allowed) throw new ModelUsageError(`${flag} applies to ${allowed} only`);
  };
  const usage = (message: string) => new ModelUsageError(message);
  forEachFlag(rest, usage, (flag, value, token) => {
    switch (flag) {
      case '--model':
        args.model = value();
        return;
      case '--as-of': {
        only(flag, 'score');
        const raw = value();
        const ms = parseInstant(raw);
        if (ms === null) throw new ModelUsageError(`--as-of must be a date (YYYY-MM-DD) or an ISO time, got "${raw}"`);
        args.asOf = ms;
        return;
      }
      case '--explain':
        only(flag, 'score');
        args.explain = positiveInteger(flag, value(), 100);
        return;
      case '--k':
        only(flag, 'recommend');
        args.k = positiveInteger(flag, value(), 1000);
        return;
      case '--include-seen':
        only(flag, 'recommend');
        args.includeSeen = true;
        return;
      case '--ids':
        only(flag, 'recommend');
        args.ids = value();
        return;
      case '--limit':
        args.limit = positiveInteger(flag, value(), 1_000_000);
        return;
      case '--at-risk':
        only(flag, 'score');
        args.atRisk = true;
        return;
      case '--threshold': {
        only(flag, 'score');
        const raw = value();
        const threshold = Number(raw);
        if (!(threshold > 0 && threshold < 1)) throw new ModelUsageError(`--threshold must be a number between 0 and 1, got "${raw}"`);
        args.threshold = threshold;
        return;
      }
      case '--audience':
        only(flag, 'score');
        audience.name = value();
        return;
      case '--holdout': {
        only(flag, 'score');
        const raw = value();
        audience.holdout = raw.trim() === '' ? Number.NaN : Number(raw);
        return;
      }
      case '--channel':
        only(flag, 'score');
        audience.channel = value();
        return;
      case '--audience-id': {
        only(flag, 'score');
        const id = value();
        if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(id)) throw new ModelUsageError(`--audience-id must be lower-case letters, digits, _ and -, at most 64, got "${id}"`);
        audience.audienceId = id;
        return;
      }
      case '--audience-out':
        only(flag, 'score');
        args.audienceOut = value();
        return;
      case '--deliver':
        only(flag, 'score');
        deliver.on = true;
        return;
      case '--edge':
        only(flag, 'score');
        deliver.edge = value();
        return;
      case '--token':
        only(flag, 'score');
        deliver.token = value();
        return;
      default:
        if (!applyInputOption(args, flag, value, usage, DATA_FLAGS)) throw new ModelUsageError(`unknown option "${token}"`);
    }
  });
  if (args.model === undefined) throw new ModelUsageError('give --model <file.onnx>');
  if (args.inputs.length === 0) throw new ModelUsageError('give at least one --input <path>');
  const audienceFlags = audience.holdout !== undefined || audience.channel !== undefined || audience.audienceId !== undefined || args.audienceOut !== undefined || deliver.on || deliver.edge !== undefined || deliver.token !== undefined;
  if (audience.name === undefined && audienceFlags) throw new ModelUsageError('--holdout, --channel, --audience-id, --audience-out, --deliver, --edge and --token need --audience NAME');
  if (audience.name !== undefined) {
    const options: AudienceOptions = { name: audience.name, holdout: audience.holdout ?? 0.1, ...(audience.channel !== undefined ? { channel: audience.channel } : {}), ...(audience.audienceId ? { audienceId: audience.audienceId } : {}) };
    const problem = checkAudienceOptions(options);
    if (problem) throw new ModelUsageError(problem);
    if (!deliver.on && args.audienceOut === undefined) throw new ModelUsageError('--audience needs --audience-out FILE, --deliver, or both');
    if (!deliver.on && (deliver.edge !== undefined || deliver.token !== undefined)) throw new ModelUsageError('--edge and --token apply to --deliver');
    if (deliver.on && args.site === undefined) throw new ModelUsageError('--deliver needs --site SITE (the edge site that receives the audience)');
    args.audience = options;
    args.atRisk = true;
    if (deliver.on) args.deliver = { ...(deliver.edge !== undefined ? { edge: deliver.edge } : {}), ...(deliver.token !== undefined ? { token: deliver.token } : {}) };
  }
  if (args.threshold !== undefined && !args.atRisk) throw new ModelUsageError('--threshold applies to --at-risk or --audience');
  return args as ModelCommandArgs;
}

async function readModelFile(path: string): Promise<{ bytes: Uint8Array; model: LoadedModel }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch {
    throw new InputError(`${path}: cannot read the model file`);
  }
  return { bytes, model: readModel(bytes, path) };
}

async function readIds(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new InputError(`${path}: cannot read the recommender's id map (give --ids <file> if it is elsewhere)`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path}: the id map is not JSON (${errorMessage(error)})`);
  }
}

/** Rows per onnxruntime run: bounds memory for large inputs. */
const BATCH_ROWS = 65_536;

/** The edge target of --deliver, from the flags or EDGE_URL / ANALYTICS_TOKEN. */
export function edgeTarget(args: ModelCommandArgs, env: Readonly<Record<string, string | undefined>>): EdgeTarget | null {
  if (!args.deliver) return null;
  const edge = (args.deliver.edge ?? env.EDGE_URL ?? '').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/?#]+$/.test(edge)) throw new ModelUsageError(`--deliver needs the edge origin (--edge or EDGE_URL), such as https://edge.example.com, got "${edge}"`);
  const token = args.deliver.token ?? env.ANALYTICS_TOKEN ?? '';
  if (!/^[\x21-\x7e]{8,512}$/.test(token)) throw new ModelUsageError('--deliver needs an analyst token (--token or ANALYTICS_TOKEN), 8 to 512 printable characters');
  return { edge, site: args.site!, token };
}

async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  const partial = `${path}.partial`;
  try {
    await writeFile(partial, `${JSON.stringify(value)}\n`);
    await rename(partial, path);
  } catch (error) {
    throw new InputError(`${path}: cannot write the audience (${errorMessage(error)})`);
  }
}

async function runAtRisk(
  args: ModelCommandArgs,
  store: EventStore,
  model: Extract<LoadedModel, { kind: 'person-classifier' }>,
  input: { persons: string[]; x: Float32Array; cutoffMs: number },
  scores: Float32Array,
  io: { out: (t: string) => void; err: (t: string) => void },
  target: EdgeTarget | null,
): Promise<void> {
  const list = atRiskList({ persons: input.persons, scores, x: input.x }, model.model, model.metadata, { ...(args.threshold !== undefined ? { threshold: args.threshold } : {}), drivers: args.explain || DEFAULT_DRIVERS });
  const asOf = new Date(input.cutoffMs).toISOString();
  const { members, ...facts } = list;
  const summary = { model: model.metadata.task, asOf, ...facts, atRisk: members.length };
  let deliveries: Awaited<ReturnType<typeof queueDeliveries>> | undefined;
  if (args.audience) {
    const requests = await riskDeliveryRequests(store, list, model.metadata.task, args.audience);
    if (args.audienceOut) {
      await writeJsonAtomically(args.audienceOut, { ...summary, requests });
      io.err(`analyze: wrote the audience "${args.audience.name}" (${members.length.toLocaleString('en-US')} members, holdout ${args.audience.holdout}) to ${args.audienceOut}\n`);
    }
    if (target) {
      deliveries = await queueDeliveries(target, requests);
      for (const d of deliveries) io.err(`analyze: the edge queued delivery ${d.deliveryId} (${d.members.toLocaleString('en-US')} members); status: ${d.statusUrl}\n`);
    }
  }
  if (args.json) {
    io.out(`${JSON.stringify({ ...summary, persons: members, ...(deliveries ? { deliveries } : {}) })}\n`);
    return;
  }
  const source = list.thresholdSource === 'model' ? "the model's threshold" : list.thresholdSource === 'given' ? 'the given threshold' : 'a fallback threshold (the model has none)';
  io.out(
    `${model.metadata.task} at ${asOf}: ${members.length.toLocaleString('en-US')} of ${list.scored.toLocaleString('en-US')} persons at or above ${list.threshold} (${source}); ` +
      `${list.leadDays ? `no event in the ${list.horizonDays} days that start ${list.leadDays} days after ${asOf.slice(0, 10)}` : `no event in the next ${list.horizonDays} days`}\n\n`,
  );
  io.out(`| person | score | drivers |\n|---|---:|---|\n${members.slice(0, args.limit).map((m) => `| ${m.person} | ${m.score.toFixed(3)} | ${m.drivers.map((d) => `${d.feature} ${d.contribution > 0 ? '+' : ''}${d.contribution.toFixed(2)}`).join(', ')} |`).join('\n')}\n`);
  if (members.length > args.limit) io.out(`... and ${(members.length - args.limit).toLocaleString('en-US')} more (--json for all)\n`);
}

async function runScore(
  args: ModelCommandArgs,
  store: EventStore,
  bytes: Uint8Array,
  model: Extract<LoadedModel, { kind: 'person-classifier' }>,
  io: { out: (t: string) => void; err: (t: string) => void },
  target: EdgeTarget | null,
): Promise<void> {
  const input = await personModelInput(store, model.schema, args.asOf);
  const scorer = await openOrtScorer(bytes, args.model);
  const scores = new Float32Array(input.rows);
  try {
    for (let start = 0; start < input.rows; start += BATCH_ROWS) {
      const rows = Math.min(BATCH_ROWS, input.rows - start);
      scores.set(await scorer.run(input.x.subarray(start * input.features, (start + rows) * input.features), rows, input.features), start);
    }
  } finally {
    await scorer.release();
  }
  if (args.atRisk) {
    await runAtRisk(args, store, model, input, scores, io, target);
    return;
  }
  const rowOf = new Map(input.persons.map((person, row) => [person, row]));
  const ranked = rankPersons(input.persons, scores).map((p) => {
    const scored = { person: p.person, score: Math.round(p.score * 1e6) / 1e6 };
    if (!args.explain) return scored;
    const row = rowOf.get(p.person)!;
    const drivers = explainScore(model.model, model.schema.names, input.x.subarray(row * input.features, (row + 1) * input.features), args.explain);
    return { ...scored, drivers: drivers.map((d) => ({ feature: d.feature, value: Math.round(d.value * 1e4) / 1e4, contribution: Math.round(d.contribution * 1e4) / 1e4 })) };
  });
  if (args.json) {
    io.out(`${JSON.stringify({ persons: ranked })}\n`);
    return;
  }
  const asOf = new Date(input.cutoffMs).toISOString();
  io.out(`${model.metadata.task} (${model.metadata.horizonDays}-day horizon) at ${asOf}: ${ranked.length.toLocaleString('en-US')} persons seen in the ${model.schema.options.activeDays} days before\n\n`);
  const drivers = (p: (typeof ranked)[number]) => ('drivers' in p ? ` ${p.drivers.map((d) => `${d.feature} ${d.contribution > 0 ? '+' : ''}${d.contribution.toFixed(2)}`).join(', ')} |` : '');
  io.out(`| person | score |${args.explain ? ' drivers |' : ''}\n|---|---:|${args.explain ? '---|' : ''}\n${ranked.slice(0, args.limit).map((p) => `| ${p.person} | ${p.score.toFixed(3)} |${drivers(p)}`).join('\n')}\n`);
  if (ranked.length > args.limit) io.out(`... and ${(ranked.length - args.limit).toLocaleString('en-US')} more (--json for all)\n`);
}

async function runRecommend(
  args: ModelCommandArgs,
  store: EventStore,
  bytes: Uint8Array,
  model: Extract<LoadedModel, { kind: 'recommender' }>,
  ids: RecommenderIds,
  io: { out: (t: string) => void },
): Promise<void> {
  const input = await recommendationInput(store, model.metadata, ids);
  const items = ids.items.length;
  const personsPerBatch = Math.max(1, Math.floor(BATCH_ROWS / items));
  const scorer = await openOrtScorer(bytes, args.model);
  const recommendations: { person: string; items: { item: string; score: number }[] }[] = [];
  try {
    for (let start = 0; start < input.persons.length; start += personsPerBatch) {
      const count = Math.min(personsPerBatch, input.persons.length - start);
      const pairs = new Float32Array(count * items * 2);
      for (let p = 0; p < count; p++) {
        for (let item = 0; item < items; item++) {
          pairs[(p * items + item) * 2] = input.rows[start + p]!;
          pairs[(p * items + item) * 2 + 1] = item;
        }
      }
      const scores = await scorer.run(pairs, count * items, 2);
      for (let p = 0; p < count; p++) {
        const exclude = args.includeSeen ? new Set<number>() : input.purchased[start + p]!;
        const top = topItems(scores.subarray(p * items, (p + 1) * items), ids.items, exclude, args.k);
        recommendations.push({ person: input.persons[start + p]!, items: top.map((t) => ({ item: t.item, score: Math.round(t.score * 1e6) / 1e6 })) });
      }
    }
  } finally {
    await scorer.release();
  }
  if (args.json) {
    io.out(`${JSON.stringify({ recommendations })}\n`);
    return;
  }
  const unknown = input.rows.filter((r) => r === 0).length;
  io.out(`top ${args.k} products for ${recommendations.length.toLocaleString('en-US')} persons (${unknown.toLocaleString('en-US')} unknown to the model: product-side scores only)${args.includeSeen ? '' : ', bought products left out'}\n\n`);
  io.out(`| person | products |\n|---|---|\n${recommendations.slice(0, args.limit).map((r) => `| ${r.person} | ${r.items.map((i) => `${i.item} (${i.score.toFixed(2)})`).join(', ')} |`).join('\n')}\n`);
  if (recommendations.length > args.limit) io.out(`... and ${(recommendations.length - args.limit).toLocaleString('en-US')} more (--json for all)\n`);
}

export async function runModelCommand(
  argv: readonly string[],
  io: { out: (t: string) => void; err: (t: string) => void },
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  let store: EventStore | undefined;
  try {
    const args = parseModelArgs(argv);
    const target = edgeTarget(args, env);
    const { bytes, model } = await readModelFile(args.model);
    // Everything about the model is checked before the (slower) input load.
    if (args.command === 'score' && model.kind !== 'person-classifier') throw new InputError(`${args.model} is a ${model.kind}; use "analyze recommend" with it`);
    if (args.command === 'recommend' && model.kind !== 'recommender') throw new InputError(`${args.model} is a ${model.kind} model; use "analyze score" with it`);
    let ids: RecommenderIds | undefined;
    if (model.kind === 'recommender') {
      const idsPath = args.ids ?? `${args.model.replace(/\.onnx$/i, '')}.ids.json`;
      ids = parseIdMap(await readIds(idsPath), model.metadata, idsPath);
    }
    store = args.engine === 'native' ? await openNativeStore() : await openWasmStore();
    const report = await loadInputsReporting(store, args, io.err, 'analyze');
    await buildPersonMap(store);
    if (args.atRisk && model.kind === 'person-classifier' && model.metadata.task !== 'churn') io.err(`analyze: ${args.model} is a ${model.metadata.task} model; its "at-risk" list is the persons at or above its threshold\n`);
    if (model.kind === 'person-classifier') await runScore(args, store, bytes, model, io, target);
    else await runRecommend(args, store, bytes, model, ids!, io);
    return 0;
  } catch (error) {
    if (error instanceof ModelUsageError) {
      io.err(`analyze: ${error.message}\n\n${MODEL_USAGE}\n`);
      return 2;
    }
    if (error instanceof AudienceError) {
      io.err(`analyze: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof InputError || error instanceof OnnxFormatError || error instanceof FeatureSchemaError || error instanceof IdMapError || error instanceof OrtError) {
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
