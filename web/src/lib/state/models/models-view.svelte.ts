/**
 * The Models view's state: scoring every person with churn and propensity (shipped or retrained on this
 * page) into `person_scores`, the risk list and histogram, recommendations for a person or a saved
 * segment, and retraining in a worker. Long operations run through AnalysisRun (newest wins, cancel,
 * errors as messages).
 */
import type { DataEngine } from '../../engine/data-engine';
import { runSegment } from '@privacy-analytics/core/analytics';
import { freshPersonMap } from '../person-map';
import { createModelEngine, type ModelEngine } from '../../ml/model-engine';
import { parseModelCard } from '../../ml/model-card';
import { fetchPersonModel, fetchRecommender, type ModelFile, type PersonModel } from '../../ml/model-files';
import { startTraining, type TrainedModel, type TrainingRun, type TrainProgress } from '../../ml/model-trainer';
import { scorePersons } from '../../ml/person-scoring';
import { Recommender, RECOMMENDER_NAME } from '../../ml/recommendations';
import type { SavedItem, SavedReports } from '../../reports/saved-reports';
import { atRiskList, PERSON_SCORES_TABLE, readModel, riskList, type AtRiskMember, scoreHistogram, writePersonScores, type HistogramBin, type RiskRow, type ScoredItem, type SegmentItem } from '@privacy-analytics/models/score';
import { AnalysisRun } from '../analysis-run.svelte.ts';
import { errorMessage } from '../errors';

export type PersonTask = 'churn' | 'propensity';
export const PERSON_TASKS: readonly PersonTask[] = ['churn', 'propensity'];
export const RISK_LIST_SIZE = 50;
export const DRIVERS_PER_PERSON = 3;
export const CHURN_SEGMENT = { name: 'Churn risk > 0.7', spec: { condition: { type: 'score', model: 'churn', op: 'gt', value: 0.7 } } } as const;

export interface ModelScoring {
  task: PersonTask;
  origin: 'shipped' | 'retrained';
  card: ModelFile['card'];
  persons: number;
  histogram: HistogramBin[];
  mean: number;
  aboveThreshold: number;
}

export interface ScoringResult {
  cutoff: string;
  models: ModelScoring[];
  /** churn, highest first, with drivers and the person's propensity */
  risk: (RiskRow & { propensity: number | null })[];
  /**
   * Every person with churn at or above the churn model's threshold (chosen on validation, in its card), highest
   * first, each with their drivers: the retention audience.
   */
  atRisk: AtRiskMember[];
  /** That threshold, and the lead time and silence the churn model warns of. */
  atRiskThreshold: number;
  leadDays: number;
  horizonDays: number;
  /** rows written to person_scores */
  written: number;
  elapsedMs: number;
}

export interface RecommendationResult {
  /** a person's top items, or a segment's */
  target: { kind: 'person'; person: string; known: boolean; bought: string[] } | { kind: 'segment'; name: string; members: number; unknown: number };
  k: number;
  includeBought: boolean;
  items: (ScoredItem | SegmentItem)[];
  /** For a segment: each member's own top k with reasons (a recommendation audience). */
  perMember?: Map<string, { item: string; score: number; reason: string }[]>;
}

export interface TrainingResult {
  task: TrainedModel['task'];
  trained: TrainedModel;
  elapsedMs: number;
  /** headline metrics: retrained vs shipped (same names) */
  comparison: { metric: string; retrained: number | null; shipped: number | null; higherIsBetter: boolean }[];
}

export interface ModelsViewOptions {
  createModels?: () => ModelEngine;
  /** The load's data version (default 0): the identity map is the one every view shares (freshPersonMap). */
  dataVersion?: () => number;
}

type ViewEngine = Pick<DataEngine, 'query' | 'cancelQuery'>;

export class ModelsViewState {
  readonly scoring: AnalysisRun<ScoringResult>;
  readonly recommendations: AnalysisRun<RecommendationResult>;
  readonly training: AnalysisRun<TrainingResult>;
  #engine: ViewEngine;
  #saved: Pick<SavedReports, 'save' | 'list'>;
  #createModels: () => ModelEngine;
  #models: ModelEngine | null = null;
  #shipped = new Map<PersonTask, Promise<ModelFile<PersonModel>>>();
  #retrained = $state.raw<Partial<Record<PersonTask, ModelFile<PersonModel>>>>({});
  #recommender: { dataKey: string; recommender: Recommender } | null = null;
  #recommenderFile: ReturnType<typeof fetchRecommender> | null = null;
  #progress = $state.raw<TrainProgress[]>([]);
  #trainingRun: TrainingRun | null = null;
  #scoredKey = $state<string | null>(null);
  #dataVersion: () => number;
  #segments = $state.raw<SavedItem[]>([]);
  #notice = $state<string | null>(null);

  constructor(engine: ViewEngine, saved: Pick<SavedReports, 'save' | 'list'>, options: ModelsViewOptions = {}) {
    this.#engine = engine;
    this.#saved = saved;
    this.#createModels = options.createModels ?? (() => createModelEngine());
    this.#dataVersion = options.dataVersion ?? (() => 0);
    this.scoring = new AnalysisRun(engine);
    this.recommendations = new AnalysisRun(engine);
    this.training = new AnalysisRun({
      cancelQuery: async () => {
        this.#trainingRun?.cancel();
        await engine.cancelQuery();
      },
    });
  }

  get progress(): readonly TrainProgress[] {
    return this.#progress;
  }
  get scoredKey(): string | null {
    return this.#scoredKey;
  }
  get segments(): readonly SavedItem[] {
    return this.#segments;
  }
  get notice(): string | null {
    return this.#notice;
  }
  usesRetrained(task: PersonTask): boolean {
    return this.#retrained[task] !== undefined;
  }

  get #modelEngine(): ModelEngine {
    this.#models ??= this.#createModels();
    return this.#models;
  }

  async #personModel(task: PersonTask): Promise<ModelFile<PersonModel>> {
    const retrained = this.#retrained[task];
    if (retrained) return retrained;
    let shipped = this.#shipped.get(task);
    if (!shipped) {
      shipped = fetchPersonModel(task).then(async (file) => {
        await this.#modelEngine.loadBytes(task, file.bytes);
        return file;
      });
      shipped.catch(() => this.#shipped.delete(task));
      this.#shipped.set(task, shipped);
    }
    return shipped;
  }

  /** The dashboard's shared identity map (kept in the warehouse, built once per load for every view). */
  #ensurePersonMap(): Promise<void> {
    return freshPersonMap(this.#engine, this.#dataVersion());
  }

  /** Scores every person with churn and propensity at the end of the loaded data; `dataKey` names the data. */
  score(dataKey: string): Promise<void> {
    return this.scoring.run(async (signal) => {
      const began = performance.now();
      await this.#ensurePersonMap();
      const results = [];
      for (const task of PERSON_TASKS) {
        const file = await this.#personModel(task);
        results.push({ task, file, scored: await scorePersons(this.#engine, this.#modelEngine, task, file.model) });
      }
      const written = await writePersonScores(this.#engine, results.map((r) => ({ model: r.task, persons: r.scored.persons, scores: r.scored.scores })), signal);
      const churn = results.find((r) => r.task === 'churn')!;
      const propensity = results.find((r) => r.task === 'propensity');
      const propensityOf = new Map(propensity?.scored.persons.map((p, i) => [p, propensity.scored.scores[i]!]) ?? []);
      const risk = riskList(churn.scored.persons, churn.scored.scores, churn.scored.x, churn.file.model.model, churn.file.model.schema.names, { limit: RISK_LIST_SIZE, drivers: DRIVERS_PER_PERSON }).map(
        (row) => ({ ...row, propensity: propensityOf.get(row.person) ?? null }),
      );
      const atRisk = atRiskList({ persons: churn.scored.persons, scores: churn.scored.scores, x: churn.scored.x }, churn.file.model.model, churn.file.model.metadata, { drivers: DRIVERS_PER_PERSON });
      this.#scoredKey = dataKey;
      return {
        atRisk: atRisk.members,
        atRiskThreshold: atRisk.threshold,
        leadDays: atRisk.leadDays,
        horizonDays: atRisk.horizonDays,
        cutoff: new Date(churn.scored.cutoffMs).toISOString(),
        models: results.map(({ task, file, scored }) => {
          let sum = 0;
          let above = 0;
          for (const s of scored.scores) {
            sum += s;
            if (s > 0.7) above += 1;
          }
          return { task, origin: file.origin, card: file.card, persons: scored.rows, histogram: scoreHistogram(scored.scores), mean: scored.rows ? sum / scored.rows : 0, aboveThreshold: above };
        }),
        risk,
        written,
        elapsedMs: performance.now() - began,
      };
    });
  }

  /** Saves the segment "churn risk > 0.7" (read from person_scores by the segment condition {type:'score'}). */
  async saveChurnSegment(): Promise<SavedItem> {
    const item = await this.#saved.save('segment', 'segments', CHURN_SEGMENT.name, CHURN_SEGMENT.spec);
    this.#notice = `Saved the segment "${item.name}" (reads ${PERSON_SCORES_TABLE}).`;
    return item;
  }

  async refreshSegments(): Promise<void> {
    try {
      this.#segments = await this.#saved.list('segment', 'segments');
    } catch (error) {
      this.#notice = `Saved segments could not be read: ${errorMessage(error)}`;
    }
  }

  async #openRecommender(dataKey: string): Promise<Recommender> {
    if (this.#recommender?.dataKey === dataKey) return this.#recommender.recommender;
    this.#recommenderFile ??= fetchRecommender().then(async (file) => {
      await this.#modelEngine.loadBytes(RECOMMENDER_NAME, file.bytes);
      return file;
    });
    this.#recommenderFile.catch(() => (this.#recommenderFile = null));
    const file = await this.#recommenderFile;
    await this.#ensurePersonMap();
    const recommender = await Recommender.open(this.#engine, this.#modelEngine, file.model, file.ids);
    this.#recommender = { dataKey, recommender };
    return recommender;
  }

  recommendForPerson(dataKey: string, person: string, k: number, includeBought: boolean): Promise<void> {
    return this.recommendations.run(async () => {
      const trimmed = person.trim();
      if (!trimmed) throw new Error('choose a person (a user id, else an anonymous id)');
      const recommender = await this.#openRecommender(dataKey);
      if (!recommender.has(trimmed)) throw new Error(`no events of person "${trimmed}" are loaded`);
      const items = await recommender.forPerson(trimmed, k, includeBought);
      return { target: { kind: 'person', person: trimmed, known: recommender.knows(trimmed), bought: recommender.purchased(trimmed) }, k, includeBought, items };
    });
  }

  recommendForSegment(dataKey: string, segment: SavedItem, k: number): Promise<void> {
    return this.recommendations.run(async () => {
      const recommender = await this.#openRecommender(dataKey);
      await this.#ensurePersonMap();
      const members = (await runSegment(this.#engine, segment.spec as Parameters<typeof runSegment>[1])).members;
      const group = await recommender.forGroup(members, k);
      const perMember = await recommender.forMembers(members, k);
      return { target: { kind: 'segment', name: segment.name, members: group.members, unknown: group.unknown }, k, includeBought: false, items: group.items, perMember };
    });
  }

  /** Retrains `task` on the loaded data in a training worker; the result can then replace the shipped model. */
  retrain(dataKey: string, task: TrainedModel['task']): Promise<void> {
    this.#progress = [];
    return this.training.run(async () => {
      const began = performance.now();
      await this.#ensurePersonMap();
      this.#trainingRun?.cancel();
      const run = startTraining(this.#engine, task, (p) => (this.#progress = [...this.#progress, p].slice(-200)));
      this.#trainingRun = run;
      const trained = await run.result;
      const shipped = parseModelCard(await fetch(new URL(`/models/${task}.card.json`, self.location.origin)).then((r) => r.json() as Promise<unknown>), `${task}.card.json`);
      return { task, trained, elapsedMs: performance.now() - began, comparison: compareCards(trained, shipped) };
    });
  }

  /** Scores with the retrained model from now on (this page only), and scores again. */
  async useRetrained(dataKey: string): Promise<void> {
    const result = this.training.result;
    if (!result || result.trained.task === 'recommend') return;
    const task = result.trained.task;
    const model = readModel(result.trained.onnx, `${task} (retrained)`);
    if (model.kind !== 'person-classifier') throw new Error(`the retrained ${task} model is a ${model.kind}`);
    await this.#modelEngine.loadBytes(task, result.trained.onnx);
    this.#retrained = { ...this.#retrained, [task]: { name: task, bytes: result.trained.onnx, model, card: parseModelCard(JSON.parse(JSON.stringify(result.trained.card)), `${task} (retrained)`), origin: 'retrained' } };
    this.#notice = `Scoring with the ${task} model retrained on this page.`;
    await this.score(dataKey);
  }

  /** Back to the shipped model for `task`. */
  async useShipped(dataKey: string, task: PersonTask): Promise<void> {
    const rest = { ...this.#retrained };
    delete rest[task];
    this.#retrained = rest;
    this.#shipped.delete(task);
    this.#notice = `Scoring with the shipped ${task} model.`;
    await this.score(dataKey);
  }
}

function compareCards(trained: TrainedModel, shipped: ReturnType<typeof parseModelCard>): TrainingResult['comparison'] {
  if (trained.task === 'recommend') {
    const ours = trained.card.evaluation;
    const theirs = shipped.kind === 'recommender' ? shipped.evaluation : null;
    return [
      { metric: `hit rate@${ours.k}`, retrained: ours.model.hitRate, shipped: theirs?.model.hitRate ?? null, higherIsBetter: true },
      { metric: `NDCG@${ours.k}`, retrained: ours.model.ndcg, shipped: theirs?.model.ndcg ?? null, higherIsBetter: true },
    ];
  }
  const ours = trained.card.metrics.model;
  const theirs = shipped.kind === 'person-classifier' ? shipped.metrics.model : null;
  const finiteOrNull = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : v);
  return [
    { metric: 'ROC AUC', retrained: finiteOrNull(ours.rocAuc), shipped: finiteOrNull(theirs?.rocAuc), higherIsBetter: true },
    { metric: 'PR AUC', retrained: finiteOrNull(ours.prAuc), shipped: finiteOrNull(theirs?.prAuc), higherIsBetter: true },
    { metric: 'Brier', retrained: finiteOrNull(ours.brier), shipped: finiteOrNull(theirs?.brier), higherIsBetter: false },
    { metric: 'log loss', retrained: finiteOrNull(ours.logLoss), shipped: finiteOrNull(theirs?.logLoss), higherIsBetter: false },
  ];
}
