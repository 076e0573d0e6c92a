/**
 * The Person view's state, kept across navigation (dashboard.viewState): the id being looked at, the page of the
 * timeline, the last profile (core's personProfile). Other views open a person with `openPerson()`.
 */
import { PERSON_TIMELINE_LIMIT, personProfile, type PersonNotFound, type PersonProfile } from '@privacy-analytics/core/analytics';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import type { SavedReports } from '../../reports/saved-reports';
import { AnalysisRun, type Cancellable } from '../analysis-run.svelte.ts';
import type { Dashboard } from '../dashboard.svelte.ts';
import { freshPersonMap } from '../person-map';

export interface PersonContext {
  engine: QueryEngine & Cancellable;
  saved: Pick<SavedReports, 'list'>;
  dataVersion(): number;
  includeFlagged?(): boolean;
}

export class PersonViewState {
  /** the id in the search box */
  query = $state('');
  readonly run: AnalysisRun<PersonProfile | PersonNotFound>;
  #context: PersonContext;
  /** what the shown result was computed for, so a new load or another page computes it again */
  #shownFor = $state<string | null>(null);

  constructor(context: PersonContext) {
    this.#context = context;
    this.run = new AnalysisRun(context.engine);
  }

  get shownFor(): string | null {
    return this.#shownFor;
  }

  /** The key of what `show(id, offset)` would compute now. */
  keyFor(id: string, offset: number): string {
    return `${this.#context.dataVersion()}|${this.#context.includeFlagged?.() ?? false}|${offset}|${id.trim()}`;
  }

  /** Looks the id up (the first page of the timeline, or the page at `offset`). */
  show(id: string = this.query, offset = 0): Promise<void> {
    const trimmed = id.trim();
    this.query = trimmed;
    if (!trimmed) return Promise.resolve();
    const key = this.keyFor(trimmed, offset);
    const context = this.#context;
    return this.run.run(async () => {
      await freshPersonMap(context.engine, context.dataVersion());
      const segments = (await context.saved.list('segment', 'segments').catch(() => [])).slice(0, 200).map((item) => ({ name: item.name, spec: item.spec }));
      const profile = await personProfile(context.engine, { id: trimmed, offset, limit: PERSON_TIMELINE_LIMIT, segments, includeFlagged: context.includeFlagged?.() ?? false });
      this.#shownFor = key;
      return profile;
    });
  }
}

export function personViewState(dashboard: Dashboard): PersonViewState {
  return dashboard.viewState(
    'person',
    () =>
      new PersonViewState({
        engine: dashboard.engine,
        saved: dashboard.saved,
        dataVersion: () => dashboard.load.dataVersion,
        includeFlagged: () => dashboard.includeFlagged,
      }),
  );
}

/** Opens the Person view on `id` (a link from any list of persons). */
export function openPerson(dashboard: Dashboard, id: string): void {
  const state = personViewState(dashboard);
  state.query = id;
  dashboard.view.show('person');
  void state.show(id);
}
