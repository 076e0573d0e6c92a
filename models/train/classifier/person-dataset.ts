/**
 * Labelled person rows at a set of cut-offs: the features at each cut-off (person-features.ts) and
 * the label from the horizon after it. Churn: no event at all in [T, T + horizon). Propensity: an
 * order event in [T, T + horizon).
 */
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { encodeFeatures, futureActivity, personFeatureRows, type FeatureOptions, type FeatureSchema, type FutureActivity, type PersonFeatureRow } from '../../features/person-features';
import type { LabelledMatrix } from './fit';

export const PERSON_TASKS = {
  churn: {
    horizonDays: 30,
    describe: (horizonDays: number, activeDays: number) =>
      `probability that a person seen in the last ${activeDays} days has no event at all in the next ${horizonDays} days`,
    label: (future: FutureActivity | undefined) => ((future?.events ?? 0) === 0 ? 1 : 0),
  },
  propensity: {
    horizonDays: 7,
    describe: (horizonDays: number, activeDays: number) => `probability that a person seen in the last ${activeDays} days places an order in the next ${horizonDays} days`,
    label: (future: FutureActivity | undefined) => ((future?.orders ?? 0) > 0 ? 1 : 0),
  },
} as const;

export type PersonTask = keyof typeof PERSON_TASKS;
export const PERSON_TASK_NAMES = Object.keys(PERSON_TASKS) as PersonTask[];

export interface LabelledRows {
  rows: PersonFeatureRow[];
  labels: Uint8Array;
}

export async function labelledRows(engine: QueryEngine, task: PersonTask, options: FeatureOptions, cutoffs: readonly number[], horizonDays: number): Promise<LabelledRows> {
  const rows: PersonFeatureRow[] = [];
  const labels: number[] = [];
  for (const cutoff of cutoffs) {
    const atCutoff = await personFeatureRows(engine, options, cutoff);
    const future = await futureActivity(engine, options, cutoff, horizonDays);
    for (const row of atCutoff) {
      rows.push(row);
      labels.push(PERSON_TASKS[task].label(future.get(row.person)));
    }
  }
  return { rows, labels: Uint8Array.from(labels) };
}

export function toMatrix(data: LabelledRows, schema: FeatureSchema): LabelledMatrix {
  return { x: encodeFeatures(data.rows, schema), y: data.labels, rows: data.rows.length, features: schema.names.length };
}
