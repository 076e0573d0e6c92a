import { parseRetentionSpec, runRetention, type RetentionResult, type WithBasis, type RetentionSpecInput } from '@privacy-analytics/core/analytics';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import type { SavedReports } from '../../reports/saved-reports';
import type { Cancellable } from '../analysis-run.svelte.ts';
import { AnalysisViewState, type AnalysisDefinition } from './analysis-view.svelte.ts';
import { defaultRetentionForm, retentionFormFromSpec, retentionQueryFromForm, starterRetentionForm, type RetentionForm } from './retention-form';

export const RETENTION_ANALYSIS: AnalysisDefinition<RetentionForm, RetentionSpecInput, WithBasis<RetentionResult>> = {
  view: 'retention',
  emptyForm: defaultRetentionForm,
  starterForm: starterRetentionForm,
  queryFromForm: retentionQueryFromForm,
  withRange: (query, range) => ({ ...query, from: range.from, to: range.to }),
  validate: (spec) => void parseRetentionSpec(spec),
  formFromSaved: (spec) => retentionFormFromSpec(parseRetentionSpec(spec)),
  analyse: runRetention,
};

export type RetentionViewState = AnalysisViewState<RetentionForm, RetentionSpecInput, WithBasis<RetentionResult>>;

export function createRetentionViewState(engine: QueryEngine & Cancellable, saved: SavedReports): RetentionViewState {
  return new AnalysisViewState(engine, saved, RETENTION_ANALYSIS);
}
