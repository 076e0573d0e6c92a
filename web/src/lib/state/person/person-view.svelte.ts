/**
 * The Person view's state, kept across navigation (dashboard.viewState): the id being looked at, the page of the
 * timeline, the last profile (core's personProfile). Other views open a person with `openPerson()`.
 */
import { int, offlineRowText, PERSON_TIMELINE_LIMIT, personProfile, sql, type PersonNotFound, type PersonProfile } from '@privacy-analytics/core/analytics';
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

  /**
   * A few persons to start from when nothing is asked yet: those with both online and offline rows first, then the most
   * active (by events), so a newcomer sees a full profile in one click.
   */
  async examples(limit = 5): Promise<{ person: string; events: number; online: boolean; offline: boolean }[]> {
    const context = this.#context;
    await freshPersonMap(context.engine, context.dataVersion());
    const offline = offlineRowText('e');
    const query = sql`SELECT m.person_id AS person, count(*)::INTEGER AS events, bool_or(NOT ${offline}) AS online, bool_or(${offline}) AS offline
      FROM events e JOIN person_map m ON m.id = coalesce(e.user_id, e.anonymous_id)
      GROUP BY 1 ORDER BY (bool_or(${offline}) AND bool_or(NOT ${offline})) DESC, events DESC, person LIMIT ${int(Math.max(1, Math.min(20, Math.floor(limit))))}`;
    const rows = await context.engine.query<{ person: string; events: number; online: boolean; offline: boolean }>(query.text, query.params);
    return rows.map((r) => ({ person: String(r.person), events: Number(r.events), online: Boolean(r.online), offline: Boolean(r.offline) }));
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
