import { parsePathsSpec, runPaths, type PathsResult, type WithBasis, type PathsSpecInput } from '@privacy-analytics/core/analytics';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import type { SavedReports } from '../../reports/saved-reports';
import type { Cancellable } from '../analysis-run.svelte.ts';
import { AnalysisViewState, type AnalysisDefinition } from './analysis-view.svelte.ts';
import { defaultPathsForm, pathsFormFromSpec, pathsQueryFromForm, starterPathsForm, type PathsForm } from './paths-form';

export const PATHS_ANALYSIS: AnalysisDefinition<PathsForm, PathsSpecInput, WithBasis<PathsResult>> = {
  view: 'paths',
  emptyForm: defaultPathsForm,
  starterForm: starterPathsForm,
  queryFromForm: pathsQueryFromForm,
  withRange: (query, range) => ({ ...query, from: range.from, to: range.to }),
  validate: (spec) => void parsePathsSpec(spec),
  formFromSaved: (spec) => pathsFormFromSpec(parsePathsSpec(spec)),
  analyse: runPaths,
};

export type PathsViewState = AnalysisViewState<PathsForm, PathsSpecInput, WithBasis<PathsResult>>;

export function createPathsViewState(engine: QueryEngine & Cancellable, saved: SavedReports): PathsViewState {
  return new AnalysisViewState(engine, saved, PATHS_ANALYSIS);
}
