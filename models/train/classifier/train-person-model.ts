/**
 * Trains a churn or propensity model on the events an engine holds and returns the ONNX file and the
 * model card: plan cut-offs by time, build labelled feature rows, fit logistic regression and a small
 * MLP (the one with the lower validation log loss wins), then measure the winner on the later
 * evaluation window beside the baselines (and, on demo data, the ceiling from the true
 * probabilities). The returned model is the one evaluated; it is not refitted on later data.
 * Engine-agnostic: runs in Node and in the dashboard's worker.
 */
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { ensurePersonMap } from '@privacy-analytics/core/analytics';
import { classificationMetrics, type ClassificationMetrics } from '../eval/classification';
import { trueProbability, truthIndex, type PersonGroundTruth } from '../eval/demo-ceiling';
import { chooseThreshold, thresholdMetrics, thresholdRule, type ThresholdMetrics } from '../eval/threshold';
import { buildFeatureSchema, featureOptionsSchema, learnVocabulary, NUMERIC_FEATURES, type FeatureSchema } from '../../features/person-features';
import { applyGroupRates, BASELINE_RULES, fitGroupRates } from './baselines';
import { classifierLogits, fitPlattScaling, withPlattScaling, type PlattScaling } from './calibration';
import { fitClassifier, TrainingDataError, type FitOptions, type FitResult } from './fit';
import { classifierScores, classifierToOnnx, CLASSIFIER_INPUT, CLASSIFIER_OUTPUT, MODEL_METADATA_KEY, roundedToFloat32, type PersonClassifier } from './person-classifier';
import { labelledRows, PERSON_TASKS, toMatrix, type PersonTask } from './person-dataset';
import { planTimeSplit, type TimeSplit } from './time-split';
import type { z } from 'zod';

export const MODEL_FORMAT_VERSION = 1;
export const TRAINER_VERSION = '1.0.0';

export interface ModelCandidate {
  name: string;
  fit: Omit<FitOptions, 'seed'>;
}

export const DEFAULT_CANDIDATES: ModelCandidate[] = [
  { name: 'logistic_regression', fit: { hidden: [], learningRate: 0.02, l2: 1e-2, batchSize: 256, maxEpochs: 200, patience: 12 } },
  { name: 'mlp', fit: { hidden: [16], learningRate: 0.005, l2: 1e-3, batchSize: 256, maxEpochs: 200, patience: 12 } },
];

export interface TrainPersonModelOptions {
  task: PersonTask;
  horizonDays?: number;
  /** Days from the cut-off to the start of the label window (churn default 7: warned 7 days ahead). */
  leadDays?: number;
  /** Days between cut-offs (default 7). */
  strideDays?: number;
  seed?: number;
  features?: z.input<typeof featureOptionsSchema>;
  candidates?: ModelCandidate[];
  /**
   * Platt scaling on the validation window, folded into the last layer. Off by default: on the demo
   * data it lowered the validation log loss by under 0.5 %, and the validation window (early December)
   * is a different season from the one scored later, so it is not clearly a correction.
   */
  calibrate?: boolean;
  /** Demo ground truth: adds the ceiling AUC to the card. */
  truth?: readonly PersonGroundTruth[];
  /** Name of the model (file stem); default the task. */
  name?: string;
  log?: (line: string) => void;
  /** Training date written to the card (default today). */
  trainedAt?: string;
}

/** What the ONNX metadata says about a person model: enough to score with it. */
export interface PersonModelMetadata {
  format: number;
  kind: 'person-classifier';
  task: PersonTask;
  horizonDays: number;
  /** Days between the cut-off and the label window; absent in models trained before lead times (0). */
  leadDays?: number;
  /** The decision threshold chosen on the validation window (score >= threshold flags the person). */
  threshold?: number;
  featureSchema: FeatureSchema;
  input: string;
  output: string;
}

export interface SplitSummary {
  cutoffs: string[];
  rows: number;
  positives: number;
}

export interface PersonModelCard {
  name: string;
  kind: 'person-classifier';
  task: PersonTask;
  description: string;
  formatVersion: number;
  trainerVersion: string;
  trainedAt: string;
  seed: number;
  horizonDays: number;
  /** The label window is [cut-off + leadDays, cut-off + leadDays + horizonDays). */
  leadDays: number;
  /** The label in words, with the reading of the requirement it implements. */
  label: string;
  data: { events: number; persons: number; from: string; to: string };
  split: { rule: string; train: SplitSummary; validation: SplitSummary; evaluation: SplitSummary };
  model: {
    type: string;
    hidden: number[];
    hyperparameters: Omit<FitOptions, 'hidden' | 'seed'>;
    bestEpoch: number;
    epochs: number;
    validationLogLoss: number;
    candidates: { name: string; hidden: number[]; bestEpoch: number; validationLogLoss: number }[];
    calibration: PlattScaling | null;
  };
  features: { version: string; count: number; numeric: { name: string; doc: string }[]; onehot: Record<string, string[]>; options: FeatureSchema['options'] };
  onnx: { input: { name: string; type: 'float32'; shape: (string | number)[] }; output: { name: string; type: 'float32'; shape: (string | number)[] }; opset: number; bytes: number };
  metrics: {
    window: string;
    model: ClassificationMetrics;
    baselines: { name: string; description: string; metrics: ClassificationMetrics }[];
    ceiling: (ClassificationMetrics & { matchedRows: number; note: string }) | null;
    /** The yes/no decision score >= threshold: chosen on validation, measured on the evaluation window. */
    decision: {
      rule: string;
      threshold: number;
      validation: ThresholdMetrics;
      evaluation: ThresholdMetrics;
      /** The requirement this task answers to (churn: warned 3 to 7 days ahead, accuracy >= 85 %), and whether it is met. */
      target: { requirement: string; minLeadDays: number; maxLeadDays: number; minAccuracy: number; leadMet: boolean; accuracyMet: boolean } | null;
    };
  };
  durationMs: { features: number; training: number; total: number };
}

export interface TrainedPersonModel {
  onnx: Uint8Array;
  card: PersonModelCard;
  model: PersonClassifier;
  metadata: PersonModelMetadata;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The churn requirement (docs: seeds §3): users at risk warned 3 to 7 days ahead, warning accuracy at least 85 %. */
export const CHURN_REQUIREMENT = { requirement: 'churn warned 3 to 7 days ahead with an accuracy of at least 85 %', minLeadDays: 3, maxLeadDays: 7, minAccuracy: 0.85 } as const;

function labelText(task: PersonTask, horizonDays: number, leadDays: number, activeDays: number): string {
  const window = leadDays === 0 ? `[T, T + ${horizonDays} days)` : `[T + ${leadDays} days, T + ${leadDays + horizonDays} days)`;
  if (task === 'churn') {
    return (
      `At cut-off T, a person seen in the ${activeDays} days before T is labelled 1 when they have no event at all in ${window}: ` +
      `churn is ${horizonDays} days of silence, and the warning at T comes ${leadDays} days before that silent stretch begins ` +
      `(the person can still be reached in [T, T + ${leadDays} days), and may even be active then). ` +
      `Read this way, "warned K days ahead" means the label window starts K days after the score, so nothing the label counts has happened when the list is sent. ` +
      `The other reading, "will have been ${horizonDays} days inactive at T + ${leadDays}", counts silence already observed before T and is not used.`
    );
  }
  return `At cut-off T, a person seen in the ${activeDays} days before T is labelled 1 when they have an order event in ${window}.`;
}

async function dataRange(engine: QueryEngine): Promise<{ events: number; startMs: number; endMs: number; persons: number }> {
  const [row] = await engine.query<{ n: number; first: number | null; last: number | null }>('SELECT count(*)::BIGINT AS n, epoch_ms(min("timestamp")) AS first, epoch_ms(max("timestamp")) AS last FROM events');
  const events = Number(row?.n ?? 0);
  if (events === 0 || row?.first === null || row?.last === null) throw new TrainingDataError('the training input holds no events');
  const [persons] = await engine.query<{ n: number }>('SELECT count(DISTINCT person_id)::BIGINT AS n FROM person_map');
  return { events, startMs: Number(row!.first), endMs: Number(row!.last), persons: Number(persons?.n ?? 0) };
}

function summary(cutoffs: readonly number[], labels: Uint8Array): SplitSummary {
  let positives = 0;
  for (const y of labels) positives += y;
  return { cutoffs: cutoffs.map(iso), rows: labels.length, positives };
}

export async function trainPersonModel(engine: QueryEngine, options: TrainPersonModelOptions): Promise<TrainedPersonModel> {
  const began = performance.now();
  const log = options.log ?? (() => {});
  const task = PERSON_TASKS[options.task];
  if (!task) throw new TrainingDataError(`unknown task "${options.task}"`);
  const horizonDays = options.horizonDays ?? task.horizonDays;
  if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 365) throw new TrainingDataError(`the horizon must be 1 to 365 days, got ${horizonDays}`);
  const leadDays = options.leadDays ?? task.leadDays;
  if (!Number.isInteger(leadDays) || leadDays < 0 || leadDays > 60) throw new TrainingDataError(`the lead time must be 0 to 60 days, got ${leadDays}`);
  const labelSpanDays = leadDays + horizonDays;
  const seed = options.seed ?? 42;
  const featureOptions = featureOptionsSchema.parse(options.features ?? {});
  if (featureOptions.identity === 'merged') await ensurePersonMap(engine);

  const range = await dataRange(engine);
  const split: TimeSplit = planTimeSplit({ dataStartMs: range.startMs, dataEndMs: range.endMs, horizonDays, leadDays, ...(options.strideDays ? { strideDays: options.strideDays } : {}) });
  log(`[train] ${options.task}: ${range.events} events, ${iso(range.startMs)} to ${iso(range.endMs)}; cut-offs train ${split.train.map(iso).join(', ')}; validation ${split.validation.map(iso).join(', ')}; evaluation ${split.evaluation.map(iso).join(', ')}`);

  const featuresBegan = performance.now();
  const trainRows = await labelledRows(engine, options.task, featureOptions, split.train, horizonDays, leadDays);
  const validationRows = await labelledRows(engine, options.task, featureOptions, split.validation, horizonDays, leadDays);
  const evaluationRows = await labelledRows(engine, options.task, featureOptions, split.evaluation, horizonDays, leadDays);
  const featuresMs = performance.now() - featuresBegan;
  if (trainRows.rows.length === 0) throw new TrainingDataError(`the training set is empty: nobody was active in the ${featureOptions.activeDays} days before the training cut-offs (${split.train.map(iso).join(', ')})`);
  const schema = buildFeatureSchema(featureOptions, learnVocabulary(trainRows.rows));
  const train = toMatrix(trainRows, schema);
  const validation = toMatrix(validationRows, schema);
  const evaluation = toMatrix(evaluationRows, schema);
  log(`[train] features in ${(featuresMs / 1000).toFixed(1)} s: ${train.rows} training rows, ${validation.rows} validation, ${evaluation.rows} evaluation, ${schema.names.length} columns`);

  const trainingBegan = performance.now();
  const fits: { candidate: ModelCandidate; result: FitResult }[] = [];
  for (const candidate of options.candidates ?? DEFAULT_CANDIDATES) {
    const result = fitClassifier(train, validation, { ...candidate.fit, seed });
    log(`[train] ${candidate.name}: best epoch ${result.bestEpoch} of ${result.epochs}, validation log loss ${result.validationLoss.toFixed(4)}`);
    fits.push({ candidate, result });
  }
  const chosen = fits.reduce((a, b) => (b.result.validationLoss < a.result.validationLoss ? b : a));
  const calibration = options.calibrate !== true ? null : fitPlattScaling(classifierLogits(chosen.result.model, validation), validation.y);
  if (calibration) log(`[train] Platt scaling on the validation window: a ${calibration.a.toFixed(3)}, b ${calibration.b.toFixed(3)}, log loss ${calibration.logLossBefore.toFixed(4)} -> ${calibration.logLossAfter.toFixed(4)}`);
  const trainingMs = performance.now() - trainingBegan;
  const model = roundedToFloat32(calibration ? withPlattScaling(chosen.result.model, calibration) : chosen.result.model);

  if (evaluation.rows === 0) throw new TrainingDataError(`the evaluation set is empty: nobody was active before the evaluation cut-offs (${split.evaluation.map(iso).join(', ')})`);
  const evaluationScores = classifierScores(model, evaluation.x, evaluation.rows);
  const modelMetrics = classificationMetrics(evaluationScores, evaluation.y);
  const chosenThreshold = validation.rows > 0 ? chooseThreshold(classifierScores(model, validation.x, validation.rows), validation.y, task.thresholdObjective) : null;
  if (!chosenThreshold) throw new TrainingDataError(`the validation set is empty: nobody was active before the validation cut-offs (${split.validation.map(iso).join(', ')})`);
  const decision: PersonModelCard['metrics']['decision'] = {
    rule: thresholdRule(task.thresholdObjective),
    threshold: chosenThreshold.threshold,
    validation: chosenThreshold,
    evaluation: thresholdMetrics(evaluationScores, evaluation.y, chosenThreshold.threshold),
    target: null,
  };
  if (options.task === 'churn') {
    const requirement = CHURN_REQUIREMENT;
    const accuracyMet = decision.evaluation.accuracy >= requirement.minAccuracy;
    decision.target = { ...requirement, leadMet: leadDays >= requirement.minLeadDays && leadDays <= requirement.maxLeadDays, accuracyMet };
  }
  log(
    `[train] threshold ${decision.threshold.toFixed(2)} (validation accuracy ${decision.validation.accuracy.toFixed(3)}): evaluation accuracy ${decision.evaluation.accuracy.toFixed(3)}, precision ${decision.evaluation.precision.toFixed(3)}, recall ${decision.evaluation.recall.toFixed(3)}, base rate ${decision.evaluation.baseRate.toFixed(3)}`,
  );
  const baselines = BASELINE_RULES.map((rule) => {
    const rates = fitGroupRates(rule, trainRows.rows, trainRows.labels);
    return { name: rule.name, description: rule.description, metrics: classificationMetrics(applyGroupRates(rule, rates, evaluationRows.rows), evaluationRows.labels) };
  });
  let ceiling: PersonModelCard['metrics']['ceiling'] = null;
  if (options.truth) {
    const index = truthIndex(options.truth);
    const scores: number[] = [];
    const labels: number[] = [];
    evaluationRows.rows.forEach((row, i) => {
      const truth = index.get(row.person);
      if (!truth) return;
      scores.push(trueProbability(truth, options.task, row.cutoffMs, horizonDays, leadDays));
      labels.push(evaluationRows.labels[i]!);
    });
    if (scores.length > 0) {
      ceiling = {
        ...classificationMetrics(scores, labels),
        matchedRows: scores.length,
        note: "the generator's true probability of the label given each person's parameters and whether they had gone quiet by the cut-off",
      };
    }
  }

  const metadata: PersonModelMetadata = { format: MODEL_FORMAT_VERSION, kind: 'person-classifier', task: options.task, horizonDays, leadDays, threshold: decision.threshold, featureSchema: schema, input: CLASSIFIER_INPUT, output: CLASSIFIER_OUTPUT };
  const name = options.name ?? options.task;
  const description = task.describe(horizonDays, featureOptions.activeDays, leadDays);
  const onnx = classifierToOnnx(model, { name, docString: description, metadata: { [MODEL_METADATA_KEY]: JSON.stringify(metadata) }, producerVersion: TRAINER_VERSION });
  const { hidden, ...hyperparameters } = chosen.candidate.fit;
  const card: PersonModelCard = {
    name,
    kind: 'person-classifier',
    task: options.task,
    description,
    formatVersion: MODEL_FORMAT_VERSION,
    trainerVersion: TRAINER_VERSION,
    trainedAt: options.trainedAt ?? new Date().toISOString().slice(0, 10),
    seed,
    horizonDays,
    leadDays,
    label: labelText(options.task, horizonDays, leadDays, featureOptions.activeDays),
    data: { events: range.events, persons: range.persons, from: iso(range.startMs), to: iso(range.endMs) },
    split: {
      rule: `Cut-offs are UTC midnights ${options.strideDays ?? 7} days apart. The label windows (${leadDays ? `${leadDays} days after the cut-off, then ` : ''}${horizonDays} days) of all training and validation cut-offs end by the first evaluation cut-off; validation is the latest quarter of those cut-offs (at least one), used for early stopping and model choice.`,
      train: summary(split.train, trainRows.labels),
      validation: summary(split.validation, validationRows.labels),
      evaluation: summary(split.evaluation, evaluationRows.labels),
    },
    model: {
      type: chosen.candidate.name,
      hidden,
      hyperparameters,
      bestEpoch: chosen.result.bestEpoch,
      epochs: chosen.result.epochs,
      validationLogLoss: chosen.result.validationLoss,
      candidates: fits.map((f) => ({ name: f.candidate.name, hidden: f.candidate.fit.hidden, bestEpoch: f.result.bestEpoch, validationLogLoss: f.result.validationLoss })),
      calibration,
    },
    features: {
      version: schema.version,
      count: schema.names.length,
      numeric: NUMERIC_FEATURES.map((f) => ({ name: f.name, doc: f.doc })),
      onehot: Object.fromEntries(Object.entries(schema.vocabulary).map(([k, v]) => [k, [...v, '(other)']])),
      options: schema.options,
    },
    onnx: {
      input: { name: CLASSIFIER_INPUT, type: 'float32', shape: ['N', schema.names.length] },
      output: { name: CLASSIFIER_OUTPUT, type: 'float32', shape: ['N', 1] },
      opset: 13,
      bytes: onnx.byteLength,
    },
    metrics: {
      window: `${iso(split.evaluation[0]! + leadDays * 86_400_000)} to ${iso(split.evaluation[split.evaluation.length - 1]! + labelSpanDays * 86_400_000 - 1)}`,
      model: modelMetrics,
      baselines,
      ceiling,
      decision,
    },
    durationMs: { features: Math.round(featuresMs), training: Math.round(trainingMs), total: Math.round(performance.now() - began) },
  };
  return { onnx, card, model, metadata };
}
