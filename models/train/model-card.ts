/**
 * Model cards as Markdown, from the card JSON that `npm run train` writes beside each model, and the
 * short metrics summary the command prints.
 */
import type { ClassificationMetrics } from './eval/classification';
import type { RankingMetrics } from './eval/ranking';
import type { PersonModelCard } from './classifier/train-person-model';
import type { ThresholdMetrics } from './eval/threshold';
import type { RecommenderCard } from './recommend/train-recommender';

export type ModelCard = PersonModelCard | RecommenderCard;

const fixed = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const count = (n: number) => n.toLocaleString('en-US');

function classificationRow(name: string, m: ClassificationMetrics): string {
  return `| ${name} | ${fixed(m.rocAuc)} | ${fixed(m.prAuc)} | ${fixed(m.brier, 4)} | ${fixed(m.logLoss, 4)} |`;
}

function rankingRow(name: string, m: RankingMetrics): string {
  return `| ${name} | ${fixed(m.hitRate)} | ${fixed(m.ndcg)} |`;
}

const percent = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : 'n/a');

function decisionRow(name: string, d: ThresholdMetrics): string {
  return `| ${name} | ${count(d.rows)} | ${count(d.flagged)} | ${percent(d.accuracy)} | ${percent(d.precision)} | ${percent(d.recall)} | ${percent(d.baseRate)} | ${percent(d.majorityAccuracy)} |`;
}

function decisionLines(card: PersonModelCard): string[] {
  const d = card.metrics.decision;
  const t = d.target;
  const target = t
    ? [
        '',
        `Requirement: ${t.requirement}. Lead time ${card.leadDays} days: ${t.leadMet ? 'met' : `**not met** (outside ${t.minLeadDays}–${t.maxLeadDays})`}. ` +
          `Accuracy ${percent(d.evaluation.accuracy)} on the evaluation window: ${t.accuracyMet ? 'met' : `**not met** (below ${percent(t.minAccuracy)})`}` +
          `; always answering "${d.evaluation.baseRate >= 0.5 ? 'churns' : 'stays'}" would score ${percent(d.evaluation.majorityAccuracy)}, so the margin over that is what the model adds.`,
      ]
    : [];
  return [
    `## Decision at the threshold (the at-risk list)`,
    '',
    `A person is flagged when their score is at least **${fixed(d.threshold, 2)}**: ${d.rule}.`,
    '',
    '| window | rows | flagged | accuracy | precision | recall | base rate | majority-label accuracy |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    decisionRow('validation (chosen here)', d.validation),
    decisionRow(`evaluation (${card.metrics.window})`, d.evaluation),
    ...target,
    '',
  ];
}

export function renderPersonCard(card: PersonModelCard): string {
  const m = card.metrics;
  const lines = [
    `# ${card.name} — model card`,
    '',
    `${card.description[0]!.toUpperCase()}${card.description.slice(1)}.`,
    '',
    `- Model: ${card.model.type}${card.model.hidden.length ? ` (hidden layers ${card.model.hidden.join(', ')}, ReLU)` : ''}, sigmoid output; chosen among ${card.model.candidates.map((c) => `${c.name} (validation log loss ${fixed(c.validationLogLoss, 4)})`).join(', ')}.`,
    `- Trained ${card.trainedAt} by models/train ${card.trainerVersion}, seed ${card.seed}; format ${card.formatVersion}; ${card.onnx.bytes.toLocaleString('en-US')} bytes of ONNX (opset ${card.onnx.opset}).`,
    `- Data: ${count(card.data.events)} events of ${count(card.data.persons)} persons, ${card.data.from} to ${card.data.to}.`,
    `- Input \`${card.onnx.input.name}\` float32 [${card.onnx.input.shape.join(', ')}]: the raw person features below (standardisation is inside the graph); output \`${card.onnx.output.name}\` float32 [${card.onnx.output.shape.join(', ')}], a probability.`,
    `- Hyperparameters: Adam, learning rate ${card.model.hyperparameters.learningRate}, L2 ${card.model.hyperparameters.l2}, batch ${card.model.hyperparameters.batchSize}; early stopping after ${card.model.hyperparameters.patience} epochs without a lower validation log loss (best epoch ${card.model.bestEpoch} of ${card.model.epochs}).${card.model.calibration ? ` Platt scaling a = ${fixed(card.model.calibration.a)}, b = ${fixed(card.model.calibration.b)}.` : ''}`,
    '',
    '## Split (by time, never random)',
    '',
    card.split.rule,
    '',
    '| set | cut-offs | rows | positives |',
    '|---|---|---:|---:|',
    ...(['train', 'validation', 'evaluation'] as const).map((k) => `| ${k} | ${card.split[k].cutoffs.join(', ')} | ${count(card.split[k].rows)} | ${count(card.split[k].positives)} |`),
    '',
    `A row is a person seen in the ${card.features.options.activeDays} days before a cut-off; the label comes from the ${card.horizonDays} days ${card.leadDays ? `that start ${card.leadDays} days after it` : 'after it'}.`,
    '',
    '## Label',
    '',
    card.label,
    '',
    `## Quality on the evaluation window (${m.window})`,
    '',
    `${count(m.model.rows)} rows, ${count(m.model.positives)} positive (${fixed(100 * m.model.positiveRate, 1)} %).`,
    '',
    '| scorer | ROC AUC | PR AUC | Brier | log loss |',
    '|---|---:|---:|---:|---:|',
    classificationRow(`**model** (${card.model.type})`, m.model),
    ...m.baselines.map((b) => classificationRow(`baseline: ${b.name}`, b.metrics)),
    ...(m.ceiling ? [classificationRow('ceiling: true probabilities (demo data)', m.ceiling)] : []),
    '',
    ...m.baselines.map((b) => `- ${b.name}: ${b.description}; each group scored with its label rate in the training rows.`),
    ...(m.ceiling ? [`- Ceiling: ${m.ceiling.note} (${count(m.ceiling.matchedRows)} of ${count(m.model.rows)} rows matched).`] : []),
    '',
    '### Reliability (model, evaluation window)',
    '',
    '| predicted | rows | mean predicted | observed rate |',
    '|---|---:|---:|---:|',
    ...m.model.reliability.filter((b) => b.count > 0).map((b) => `| ${fixed(b.from, 1)}–${fixed(b.to, 1)} | ${count(b.count)} | ${fixed(b.meanPredicted)} | ${fixed(b.observedRate)} |`),
    '',
    ...decisionLines(card),
    `## Features (${card.features.version}, ${card.features.count} columns)`,
    '',
    `Computed by SQL through the analytics modules (person tags, RFM, identity map) from events before the cut-off; identity "${card.features.options.identity}", order event "${card.features.options.orderEvent.event}".`,
    '',
    '| column | meaning |',
    '|---|---|',
    ...card.features.numeric.map((f) => `| ${f.name} | ${f.doc} |`),
    ...Object.entries(card.features.onehot).map(([name, values]) => `| ${name}=… | one-hot: ${values.join(', ')} |`),
    '',
    'Categories are learned from the training rows by frequency only; values outside them go to (other).',
    '',
    `Durations: features ${fixed(card.durationMs.features / 1000, 1)} s, training ${fixed(card.durationMs.training / 1000, 1)} s, total ${fixed(card.durationMs.total / 1000, 1)} s.`,
    '',
  ];
  return lines.join('\n');
}

export function renderRecommenderCard(card: RecommenderCard): string {
  const e = card.evaluation;
  const h = card.model.hyperparameters;
  const lines = [
    `# ${card.name} — model card`,
    '',
    `${card.description[0]!.toUpperCase()}${card.description.slice(1)}.`,
    '',
    `- Model: DeepFM over the fields ${card.model.fields.join(', ')}: first-order weights, ${h.k}-dimensional embeddings shared by a factorisation machine and an MLP (hidden ${h.hidden.join(', ')}, ReLU); ${count(card.model.parameters)} parameters.`,
    `- Trained ${card.trainedAt} by models/train ${card.trainerVersion}, seed ${card.seed}; format ${card.formatVersion}; ${card.onnx.bytes.toLocaleString('en-US')} bytes of ONNX (opset ${card.onnx.opset}).`,
    `- Data: ${count(card.data.interactions)} person-product pairs (${count(card.data.purchases)} bought) of ${count(card.data.persons)} persons and ${count(card.data.items)} products in ${card.data.categories} categories, ${card.data.from} to ${card.data.to}.`,
    `- Implicit feedback: "${card.interactions.viewEvent}" weight ${card.interactions.weights.view}, "${card.interactions.cartEvent}" ${card.interactions.weights.cart}, "${card.interactions.orderEvent.event}" (its products) ${card.interactions.weights.purchase}; a pair takes its strongest kind. ${h.negatives} negatives per positive, drawn uniformly from products the person never touched.`,
    `- Training: Adam, learning rate ${h.learningRate}, L2 ${h.l2}, batch ${h.batchSize}; ${card.model.bestEpoch} epochs, chosen by NDCG@${e.k} on each person's second-to-last product (best ${fixed(card.model.validationNdcg)}, ${card.model.epochsRun} epochs run). The shipped model is refitted on all interactions for that many epochs.`,
    '',
    '## Inputs and id map',
    '',
    `Input \`${card.onnx.input.name}\` float32 [${card.onnx.input.shape.join(', ')}]: ${card.onnx.input.meaning}. Output \`${card.onnx.output.name}\` float32 [${card.onnx.output.shape.join(', ')}] in (0, 1); rank products by it.`,
    '',
    `The id map \`${card.onnx.idsFile}\` beside the model lists \`persons\` (person keys: user id, else anonymous id), \`items\` (product ids), \`categories\` and \`itemCategories\`; the model's metadata holds its checksum. Unknown persons use row 0 and get the product-side scores only.`,
    '',
    `## Quality (${e.protocol})`,
    '',
    `${count(e.persons)} persons with at least two products.`,
    '',
    `| scorer | hit rate@${e.k} | NDCG@${e.k} |`,
    '|---|---:|---:|',
    rankingRow('**DeepFM**', e.model),
    rankingRow('baseline: item-item co-occurrence (cosine)', e.cooccurrence),
    rankingRow('baseline: popularity', e.popularity),
    '',
    `Durations: interactions ${fixed(card.durationMs.interactions / 1000, 1)} s, training and evaluation ${fixed(card.durationMs.training / 1000, 1)} s, total ${fixed(card.durationMs.total / 1000, 1)} s.`,
    '',
  ];
  return lines.join('\n');
}

export function renderCard(card: ModelCard): string {
  return card.kind === 'recommender' ? renderRecommenderCard(card) : renderPersonCard(card);
}

/** The headline metrics, for `npm run train -- ... --json`. */
export function metricsSummary(card: ModelCard): Record<string, unknown> {
  if (card.kind === 'recommender') {
    const e = card.evaluation;
    const pick = (m: RankingMetrics) => ({ hitRate: m.hitRate, ndcg: m.ndcg });
    return { model: card.name, kind: card.kind, k: e.k, persons: e.persons, deepfm: pick(e.model), cooccurrence: pick(e.cooccurrence), popularity: pick(e.popularity) };
  }
  const pick = (m: ClassificationMetrics) => ({ rocAuc: m.rocAuc, prAuc: m.prAuc, brier: m.brier, logLoss: m.logLoss });
  return {
    model: card.name,
    kind: card.kind,
    task: card.task,
    horizonDays: card.horizonDays,
    leadDays: card.leadDays,
    window: card.metrics.window,
    threshold: card.metrics.decision.threshold,
    atThreshold: (({ accuracy, precision, recall, baseRate }) => ({ accuracy, precision, recall, baseRate }))(card.metrics.decision.evaluation),
    ...(card.metrics.decision.target ? { requirementMet: card.metrics.decision.target.leadMet && card.metrics.decision.target.accuracyMet } : {}),
    rows: card.metrics.model.rows,
    positives: card.metrics.model.positives,
    [card.model.type]: pick(card.metrics.model),
    ...Object.fromEntries(card.metrics.baselines.map((b) => [b.name, pick(b.metrics)])),
    ...(card.metrics.ceiling ? { ceiling: pick(card.metrics.ceiling) } : {}),
  };
}
