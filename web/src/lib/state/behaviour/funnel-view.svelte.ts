import { parseFunnelSpec, runFunnel, type AnalysisBasis, type FunnelResult, type FunnelSpecInput } from '@privacy-analytics/core/analytics';
import { parseSegmentSpec, type SegmentSpecInput } from '@privacy-analytics/core/analytics';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import type { SavedReports } from '../../reports/saved-reports';
import type { Cancellable } from '../analysis-run.svelte.ts';
import { errorMessage } from '../errors';
import { AnalysisViewState, type AnalysisDefinition } from './analysis-view.svelte.ts';
import { defaultFunnelForm, funnelFormFromSpec, funnelQueryFromForm, starterFunnelForm, type FunnelForm } from './funnel-form';

/** A funnel as the view shows it: the steps first, the basis once its query answered (runFunnel's onSteps). */
export type ShownFunnel = FunnelResult & { basis?: AnalysisBasis };

export const FUNNEL_ANALYSIS: AnalysisDefinition<FunnelForm, FunnelSpecInput, ShownFunnel> = {
  view: 'funnels',
  emptyForm: defaultFunnelForm,
  starterForm: starterFunnelForm,
  queryFromForm: funnelQueryFromForm,
  withRange: (query, range) => ({ ...query, from: range.from, to: range.to }),
  validate: (spec) => void parseFunnelSpec(spec),
  formFromSaved: (spec) => funnelFormFromSpec(parseFunnelSpec(spec)),
  analyse: (engine, spec, show) => runFunnel(engine, spec, { onSteps: show }),
};

/**
 * The segment of persons who dropped off at `step` (0-based, >= 1: reached step-1 but not step) of the funnel as
 * it ran, date range included, so the segment holds the persons the table counted.
 */
export function droppedSegmentSpec(funnel: FunnelSpecInput, step: number): SegmentSpecInput {
  return { condition: { type: 'funnel', funnel, step, outcome: 'dropped' } };
}

export class FunnelViewState extends AnalysisViewState<FunnelForm, FunnelSpecInput, ShownFunnel> {
  #segmentMessage = $state<string | null>(null);
  #segmentError = $state<string | null>(null);
  #saved: SavedReports;

  constructor(engine: QueryEngine & Cancellable, saved: SavedReports) {
    super(engine, saved, FUNNEL_ANALYSIS);
    this.#saved = saved;
  }

  get segmentMessage(): string | null {
    return this.#segmentMessage;
  }
  get segmentError(): string | null {
    return this.#segmentError;
  }

  /** Saves the persons who dropped at `step` of the shown result as a segment (the Segments view lists it). */
  async saveDroppedSegment(step: number, name: string): Promise<boolean> {
    this.#segmentMessage = null;
    this.#segmentError = null;
    const ran = this.run.result;
    try {
      if (!ran) throw new Error('run the funnel first');
      if (step < 1 || step >= ran.spec.steps.length) throw new Error(`choose a step from 2 to ${ran.spec.steps.length}`);
      const spec = droppedSegmentSpec(ran.spec, step);
      parseSegmentSpec(spec);
      await this.#saved.save('segment', 'segments', name, spec);
      this.#segmentMessage = `Saved segment “${name.trim()}”: persons who reached step ${step} but not step ${step + 1}.`;
      return true;
    } catch (error) {
      this.#segmentError = `could not save the segment: ${errorMessage(error)}`;
      return false;
    }
  }
}
