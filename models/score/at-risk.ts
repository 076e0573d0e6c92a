/**
 * The at-risk list of a churn model as an audience: every scored person at or above the model's
 * decision threshold (chosen on validation when it was trained, in its metadata and card), highest
 * score first, each with the features that drive their score (explain.ts), so a retention campaign
 * can say why ("no visit for 18 days, visits slowing down"). The same code builds the list for
 * `npm run score -- --at-risk` and for the dashboard's Models view.
 */
import { explainScore, type FeatureContribution } from '../train/classifier/explain';
import type { PersonClassifier } from '../train/classifier/person-classifier';
import type { PersonModelMetadata } from '../train/classifier/train-person-model';

/** For models trained before thresholds were chosen (no `threshold` in the metadata). */
export const FALLBACK_AT_RISK_THRESHOLD = 0.7;
export const DEFAULT_DRIVERS = 3;

export interface AtRiskMember {
  person: string;
  score: number;
  /** The strongest contributions to the score's logit against an average person, largest first. */
  drivers: FeatureContribution[];
}

export interface AtRiskList {
  threshold: number;
  /** Where the threshold came from. */
  thresholdSource: 'model' | 'fallback' | 'given';
  leadDays: number;
  horizonDays: number;
  scored: number;
  members: AtRiskMember[];
}

export function modelThreshold(metadata: Pick<PersonModelMetadata, 'threshold'>): { threshold: number; source: 'model' | 'fallback' } {
  return metadata.threshold === undefined ? { threshold: FALLBACK_AT_RISK_THRESHOLD, source: 'fallback' } : { threshold: metadata.threshold, source: 'model' };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Persons with score >= threshold (the threshold the model's card reports precision and recall at),
 * highest first (ties: person key), each with `drivers` feature contributions from its raw row `x[row]`.
 */
export function atRiskList(
  input: { persons: readonly string[]; scores: ArrayLike<number>; x: Float32Array },
  model: PersonClassifier,
  metadata: Pick<PersonModelMetadata, 'threshold' | 'leadDays' | 'horizonDays' | 'featureSchema'>,
  options: { threshold?: number; drivers?: number } = {},
): AtRiskList {
  const names = metadata.featureSchema.names;
  const width = names.length;
  if (input.x.length !== input.persons.length * width) throw new Error(`at-risk list: ${input.x.length} feature values for ${input.persons.length} persons of ${width} features`);
  const fromModel = modelThreshold(metadata);
  const threshold = options.threshold ?? fromModel.threshold;
  if (!(threshold > 0 && threshold < 1)) throw new Error(`at-risk list: the threshold must be between 0 and 1, got ${threshold}`);
  const drivers = options.drivers ?? DEFAULT_DRIVERS;
  const rows: number[] = [];
  for (let i = 0; i < input.persons.length; i++) if (input.scores[i]! >= threshold) rows.push(i);
  rows.sort((a, b) => input.scores[b]! - input.scores[a]! || (input.persons[a]! < input.persons[b]! ? -1 : input.persons[a]! > input.persons[b]! ? 1 : 0));
  return {
    threshold,
    thresholdSource: options.threshold === undefined ? fromModel.source : 'given',
    leadDays: metadata.leadDays ?? 0,
    horizonDays: metadata.horizonDays,
    scored: input.persons.length,
    members: rows.map((row) => ({
      person: input.persons[row]!,
      score: round(input.scores[row]!, 6),
      drivers: explainScore(model, names, input.x.subarray(row * width, (row + 1) * width), drivers).map((d) => ({ feature: d.feature, value: round(d.value, 4), contribution: round(d.contribution, 4) })),
    })),
  };
}
