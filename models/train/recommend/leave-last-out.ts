/**
 * Leave-last-out splits of each person's items (ordered by first interaction): the last item is the
 * test case, the one before it validates (early stopping), the rest train. Persons with two items give
 * a test case and no validation case; persons with one item only train.
 */
import type { RankingCase } from '../eval/ranking';
import type { PersonItem } from './interactions';

export interface TrainingPair {
  person: number;
  item: number;
  weight: number;
}

export interface HeldOutCase extends RankingCase {
  person: number;
}

export interface LeaveLastOutSplit {
  /** Pairs for fitting: every item but each person's last two (last one for two-item persons). */
  train: TrainingPair[];
  /** The validation items as pairs, for refitting with them once the epoch count is chosen. */
  validationPairs: TrainingPair[];
  validation: HeldOutCase[];
  test: HeldOutCase[];
}

export function leaveLastOut(byPerson: readonly PersonItem[][]): LeaveLastOutSplit {
  const split: LeaveLastOutSplit = { train: [], validationPairs: [], validation: [], test: [] };
  byPerson.forEach((items, person) => {
    const n = items.length;
    const pair = (p: PersonItem): TrainingPair => ({ person, item: p.item, weight: p.weight });
    if (n >= 2) split.test.push({ person, heldOut: items[n - 1]!.item, history: items.slice(0, n - 1).map((p) => p.item) });
    if (n >= 3) {
      split.validation.push({ person, heldOut: items[n - 2]!.item, history: items.slice(0, n - 2).map((p) => p.item) });
      split.validationPairs.push(pair(items[n - 2]!));
    }
    const trainCount = n >= 3 ? n - 2 : n === 2 ? 1 : n;
    for (let i = 0; i < trainCount; i++) split.train.push(pair(items[i]!));
  });
  return split;
}

/** Every pair of every person (for the model that ships). */
export function allPairs(byPerson: readonly PersonItem[][]): TrainingPair[] {
  return byPerson.flatMap((items, person) => items.map((p) => ({ person, item: p.item, weight: p.weight })));
}
