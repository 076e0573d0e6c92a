/**
 * Cut-offs for training, validation and evaluation, by time only. Cut-offs are UTC midnights, a
 * `strideDays` apart, each with its label window [cut-off, cut-off + horizon) inside the data.
 *
 * - Evaluation: every cut-off whose label window lies in the last max(horizon, evaluationDays) days.
 * - Training and validation: cut-offs whose label windows end by the first evaluation cut-off, so
 *   nothing the model learns from happens after the moment it is evaluated at; the latest quarter of
 *   them (at least one) validate (early stopping), the earlier ones train.
 * - A cut-off needs `minHistoryDays` of data before it.
 */
import { DAY_MS } from '@privacy-analytics/core/analytics';
import { TrainingDataError } from './fit';

export interface TimeSplitOptions {
  /** First and last event times in the data (epoch ms). */
  dataStartMs: number;
  dataEndMs: number;
  horizonDays: number;
  /** Days from the cut-off to the start of the label window (default 0): windows are lead + horizon days long. */
  leadDays?: number;
  strideDays?: number;
  minHistoryDays?: number;
  evaluationDays?: number;
}

export interface TimeSplit {
  train: number[];
  validation: number[];
  evaluation: number[];
  /** Exclusive end of the observed data: the UTC midnight after the last event. */
  dataEndMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function planTimeSplit(options: TimeSplitOptions): TimeSplit {
  const stride = (options.strideDays ?? 7) * DAY_MS;
  const labelDays = options.horizonDays + (options.leadDays ?? 0);
  const horizon = labelDays * DAY_MS;
  const minHistory = (options.minHistoryDays ?? 14) * DAY_MS;
  const evaluationSpan = Math.max(labelDays, options.evaluationDays ?? 28) * DAY_MS;
  if (!Number.isFinite(options.dataStartMs) || !Number.isFinite(options.dataEndMs) || options.dataEndMs < options.dataStartMs) {
    throw new TrainingDataError('the input holds no events with valid times');
  }
  const firstDay = Math.floor(options.dataStartMs / DAY_MS) * DAY_MS;
  const end = Math.floor(options.dataEndMs / DAY_MS) * DAY_MS + DAY_MS;
  const earliest = firstDay + minHistory;
  const lastCutoff = end - horizon;
  const spanDays = Math.round((end - firstDay) / DAY_MS);
  const evaluation: number[] = [];
  for (let c = lastCutoff; c >= end - evaluationSpan && c >= earliest; c -= stride) evaluation.push(c);
  const candidates: number[] = [];
  const firstEvaluation = evaluation[evaluation.length - 1];
  if (firstEvaluation !== undefined) for (let c = firstEvaluation - horizon; c >= earliest; c -= stride) candidates.push(c);
  const needed = Math.round((minHistory + 2 * horizon + Math.max(evaluationSpan - horizon, 0)) / DAY_MS);
  if (evaluation.length === 0 || candidates.length < 2) {
    throw new TrainingDataError(
      `not enough history for a ${options.horizonDays}-day horizon${options.leadDays ? ` that starts ${options.leadDays} days after the cut-off` : ''}: the data spans ${spanDays} days (${iso(firstDay)} to ${iso(end - DAY_MS)}); ` +
        `training, validation and a later evaluation window need at least ${needed + Math.round(stride / DAY_MS)} days`,
    );
  }
  const validationCount = Math.max(1, Math.ceil(candidates.length / 4));
  return {
    validation: candidates.slice(0, validationCount).reverse(),
    train: candidates.slice(validationCount).reverse(),
    evaluation: evaluation.reverse(),
    dataEndMs: end,
  };
}
