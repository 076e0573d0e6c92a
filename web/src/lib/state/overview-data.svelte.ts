import {
  BREAKDOWN_PANELS,
  breakdown,
  eventsOverTime,
  overviewKpis,
  type BreakdownPanelId,
  type BreakdownRow,
  type OverviewKpis,
  type OverviewSpec,
  type TimePoint,
} from '@privacy-analytics/core/analytics';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { rollupsCannotAnswer } from '@privacy-analytics/core/rollups';
import type { CubeOverview, RollupOverview, SavedOverview } from '../engine/data-engine';
import { errorMessage } from './errors';
import { mark } from '../engine/timeline';

export type PanelStatus = 'empty' | 'loading' | 'ready' | 'error';

/**
 * Where the shown figures come from: the edge's rollups, queries over the loaded events, or an overview saved on this
 * device (see RefreshOptions.saved).
 */
export type OverviewSource = 'rollups' | 'events' | 'saved';

/** The overview of one spec saved on this device: read at once, written after a refresh from the rollups. */
export interface SavedOverviewStore {
  get(): Promise<SavedOverview | null>;
  /** null: forget it (the edge's files changed) */
  put(saved: SavedOverview | null): Promise<void>;
  /** false while the figures may not match the fingerprint (sessions from events while a load runs) */
  canSave(): boolean;
}

export interface RefreshOptions {
  chartFromIndex?: boolean;
  /**
   * the overview from rollups (tried first when given; the events are queried when it has no result); `confirm` is
   * the fingerprint of a saved overview, answered with `confirmed` when the edge's files are still those
   */
  rollups?: (confirm?: string) => Promise<RollupOverview>;
  /**
   * The overview saved on this device for this spec (with rollups only): drawn at once while the rollups are asked,
   * kept when the manifest still lists the files it was computed from (nothing else is read or queried then),
   * dropped otherwise; a refresh that ends from the rollups saves its figures.
   */
  saved?: SavedOverviewStore;
  /**
   * the overview from the local overview table (tried when the rollups cannot answer and events are loaded; the
   * panels' queries run over `events` when it has no result)
   */
  cube?: () => Promise<CubeOverview>;
  /** the figures alone from the local overview table (for sessions when flush files are in the range); null: ask `events` */
  cubeKpis?: () => Promise<{ kpis: OverviewKpis | null }>;
  /** false while no event is loaded yet: without rollups the panels then wait (default true) */
  eventsReady?: boolean;
  /**
   * Why no event may be queried (a viewer token): the figures come from the rollups alone, sessions included even when
   * uncompacted files cut them; when the rollups cannot answer, the panels say why instead of querying.
   */
  rollupsOnly?: string;
}

export interface Panel<T> {
  status: PanelStatus;
  /** the last result; kept while a refresh is loading so charts do not flash */
  data: T | null;
  error: string | null;
}

const emptyPanel = <T>(): Panel<T> => ({ status: 'empty', data: null, error: null });

function emptyBreakdowns(): Record<BreakdownPanelId, Panel<BreakdownRow[]>> {
  return Object.fromEntries(BREAKDOWN_PANELS.map((p) => [p.id, emptyPanel<BreakdownRow[]>()])) as Record<BreakdownPanelId, Panel<BreakdownRow[]>>;
}

/** The overview's panels, each with its own loading / error state; a newer refresh supersedes an older one. */
export class OverviewData {
  #kpis = $state<Panel<OverviewKpis>>(emptyPanel());
  #series = $state<Panel<TimePoint[]>>(emptyPanel());
  #breakdowns = $state(emptyBreakdowns());
  #generation = 0;
  #running = $state(false);
  #completedKey = $state<string | null>(null);
  #source = $state<OverviewSource | null>(null);
  #sourceNote = $state<string | null>(null);
  #sessionsFromEvents = $state(false);
  #fromCube = $state(false);
  #savedAt = $state<number | null>(null);
  #savedConfirmed = $state(false);
  #settledWaiters: (() => void)[] = [];

  get kpis(): Panel<OverviewKpis> {
    return this.#kpis;
  }
  get series(): Panel<TimePoint[]> {
    return this.#series;
  }
  /** true while a refresh runs */
  get running(): boolean {
    return this.#running;
  }
  /** the key passed to the last refresh that finished (tests and benchmarks wait for it) */
  get completedKey(): string | null {
    return this.#completedKey;
  }
  /** where the figures of the last finished refresh come from */
  get source(): OverviewSource | null {
    return this.#source;
  }
  /** figures from rollups, but sessions, bounce rate and duration from the events (flush files in the range) */
  get sessionsFromEvents(): boolean {
    return this.#sessionsFromEvents;
  }
  /** figures from events, computed over the local overview table (overview-cube.ts) */
  get fromCube(): boolean {
    return this.#fromCube;
  }
  /** when the shown saved overview was saved (source 'saved'), ms since the epoch */
  get savedAt(): number | null {
    return this.#savedAt;
  }
  /** the shown saved overview is confirmed: the edge lists the files it was computed from */
  get savedConfirmed(): boolean {
    return this.#savedConfirmed;
  }
  /** why the figures come from events although rollups were asked for (a filter, files without rollups, …) */
  get sourceNote(): string | null {
    return this.#sourceNote;
  }
  breakdown(id: BreakdownPanelId): Panel<BreakdownRow[]> {
    return this.#breakdowns[id];
  }

  /** Resolves when the running refresh (or a newer one replacing it) has finished, or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#settledWaiters.push(done);
    });
  }

  clear(): void {
    this.#generation++;
    this.#running = false;
    this.#completedKey = null;
    this.#source = null;
    this.#sourceNote = null;
    this.#fromCube = false;
    this.#savedAt = null;
    this.#savedConfirmed = false;
    this.#kpis = emptyPanel();
    this.#series = emptyPanel();
    this.#breakdowns = emptyBreakdowns();
  }

  /**
   * Runs every panel's query in turn (the engine runs one query at a time): the chart over time, the figures, then
   * the breakdowns; the figures first when the page already draws the chart over time from the file index.
   */
  async refresh(engine: QueryEngine, spec: OverviewSpec, key: string | null = null, options: RefreshOptions = {}): Promise<void> {
    const generation = ++this.#generation;
    mark(`page: overview refresh ${spec.from}..${spec.to}${spec.filters.length ? ' filtered' : ''}`);
    const current = () => generation === this.#generation;
    this.#running = true;
    this.#kpis = { ...this.#kpis, status: 'loading', error: null };
    this.#series = { ...this.#series, status: 'loading', error: null };
    for (const p of BREAKDOWN_PANELS) this.#breakdowns[p.id] = { ...this.#breakdowns[p.id], status: 'loading', error: null };

    const settle = async <T>(run: () => Promise<T>, assign: (panel: Panel<T>) => void) => {
      try {
        const data = await run();
        if (current()) assign({ status: 'ready', data, error: null });
      } catch (error) {
        if (current()) assign({ status: 'error', data: null, error: errorMessage(error) });
      }
    };
    this.#savedConfirmed = false;
    // a filter (or another purchase event) the rollups cannot answer: said here, without a round trip to the data
    // worker, which may be busy (a filter change waited 0.1 s for the worker's "a filter needs event rows")
    const rollupsCannot = options.rollups ? rollupsCannotAnswer(spec) : null;
    if (rollupsCannot && !options.rollupsOnly) {
      this.#sourceNote = rollupsCannot;
      if (options.eventsReady === false) {
        this.#running = false;
        return;
      }
    } else if (options.rollups) {
      let note: string | null;
      const ready = <T>(data: T): Panel<T> => ({ status: 'ready', data, error: null });
      let copy: SavedOverview | null = null;
      let asked: Promise<RollupOverview> | null = null;
      if (options.saved) {
        copy = await options.saved.get().catch(() => null);
        mark(`page: saved overview ${copy ? 'read' : 'missing'}`);
        if (!current()) return;
        if (copy) {
          // asked before drawing: drawing the panels (charts) holds the page's thread for a while on a slow machine
          asked = options.rollups(copy.fingerprint);
          asked.catch(() => undefined);
          // one task for the request to reach the data worker before the page draws
          await new Promise((resolve) => setTimeout(resolve, 0));
          if (!current()) return;
          mark('page: saved overview drawn');
          // drawn at once; the overview stays 'loading' until the edge confirms it
          this.#kpis = ready(copy.result.kpis);
          this.#series = ready(copy.result.series);
          for (const panel of BREAKDOWN_PANELS) this.#breakdowns[panel.id] = ready(copy.result.breakdowns[panel.id]);
          this.#source = 'saved';
          this.#savedAt = copy.savedAt;
          this.#sourceNote = null;
          this.#sessionsFromEvents = copy.sessionsFromEvents;
        }
      }
      try {
        const answer = await (asked ?? options.rollups());
        mark(`page: rollups answered (${answer.confirmed ? 'confirmed' : answer.result ? 'figures' : answer.reason})`);
        if (!current()) return;
        if (copy && answer.confirmed) {
          this.#savedConfirmed = true;
          this.#finish(key);
          return;
        }
        if (copy) {
          void options.saved?.put(null).catch(() => undefined);
          this.#source = null;
          this.#savedAt = null;
          this.#kpis = { ...this.#kpis, status: 'loading' };
          this.#series = { ...this.#series, status: 'loading' };
          for (const p of BREAKDOWN_PANELS) this.#breakdowns[p.id] = { ...this.#breakdowns[p.id], status: 'loading' };
        }
        if (answer.result) {
          this.#series = ready(answer.result.series);
          for (const panel of BREAKDOWN_PANELS) this.#breakdowns[panel.id] = ready(answer.result.breakdowns[panel.id]);
          this.#source = 'rollups';
          this.#savedAt = null;
          this.#sourceNote = null;
          this.#sessionsFromEvents = answer.sessionsFromEvents;
          if (!answer.sessionsFromEvents || options.rollupsOnly) this.#kpis = ready(answer.result.kpis);
          else if (options.eventsReady === false) {
            // the session figures wait for the events (the page refreshes again when they arrive)
            this.#running = false;
            return;
          } else {
            const rollups = answer.result.kpis;
            // the local overview table's figures when it is current (exact, the same SQL), else the events'
            const kpis = async () => (await options.cubeKpis?.().catch(() => null))?.kpis ?? (await overviewKpis(engine, spec));
            await settle(kpis, (p) => (this.#kpis = p.data ? { ...p, data: { ...rollups, sessions: p.data.sessions, bounceRate: p.data.bounceRate, avgSessionSeconds: p.data.avgSessionSeconds } } : p));
            if (!current()) return;
          }
          this.#save(options.saved, answer);
          this.#finish(key);
          return;
        }
        note = answer.reason;
      } catch (error) {
        if (!current()) return;
        note = `rollups failed: ${errorMessage(error)}`;
      }
      this.#sourceNote = note;
      if (options.rollupsOnly) {
        const error = `Not available from rollups (${note}). ${options.rollupsOnly}`;
        const failed = <T>(): Panel<T> => ({ status: 'error', data: null, error });
        this.#kpis = failed();
        this.#series = failed();
        for (const panel of BREAKDOWN_PANELS) this.#breakdowns[panel.id] = failed();
        this.#source = null;
        this.#finish(key);
        return;
      }
      if (options.eventsReady === false) {
        // nothing to query yet: the panels wait for the events (the page refreshes again when they arrive)
        this.#running = false;
        return;
      }
    } else {
      this.#sourceNote = null;
    }
    this.#source = 'events';
    this.#savedAt = null;
    this.#sessionsFromEvents = false;
    this.#fromCube = false;
    if (options.cube) {
      try {
        const answer = await options.cube();
        if (!current()) return;
        if (answer.result) {
          const ready = <T>(data: T): Panel<T> => ({ status: 'ready', data, error: null });
          this.#kpis = ready(answer.result.kpis);
          this.#series = ready(answer.result.series);
          for (const panel of BREAKDOWN_PANELS) this.#breakdowns[panel.id] = ready(answer.result.breakdowns[panel.id]);
          this.#fromCube = true;
          this.#finish(key);
          return;
        }
      } catch {
        if (!current()) return;
        // the queries below say what is wrong, panel by panel
      }
    }
    // the chart first: it is what a reader looks for, and the cheapest of the three kinds of query
    const chart = () => settle(() => eventsOverTime(engine, spec), (p) => (this.#series = p));
    const figures = () => settle(() => overviewKpis(engine, spec), (p) => (this.#kpis = p));
    for (const run of options.chartFromIndex ? [figures, chart] : [chart, figures]) {
      await run();
      if (!current()) return;
    }
    for (const panel of BREAKDOWN_PANELS) {
      if (!current()) return;
      await settle(() => breakdown(engine, spec, panel), (p) => (this.#breakdowns[panel.id] = p));
    }
    if (current()) this.#finish(key);
  }

  /** Saves what the panels show now (all ready, from the rollups' answer) with the answer's fingerprint. */
  #save(store: SavedOverviewStore | undefined, answer: RollupOverview): void {
    if (!store || !answer.fingerprint || (answer.sessionsFromEvents && !store.canSave())) return;
    const kpis = this.#kpis.data;
    const series = this.#series.data;
    if (this.#kpis.status !== 'ready' || !kpis || this.#series.status !== 'ready' || !series) return;
    const breakdowns = {} as Record<BreakdownPanelId, BreakdownRow[]>;
    for (const panel of BREAKDOWN_PANELS) {
      const p = this.#breakdowns[panel.id];
      if (p.status !== 'ready' || !p.data) return;
      breakdowns[panel.id] = p.data;
    }
    const result = $state.snapshot({ kpis, series, breakdowns }) as SavedOverview['result'];
    void store.put({ result, fingerprint: answer.fingerprint, sessionsFromEvents: answer.sessionsFromEvents, savedAt: Date.now() }).catch(() => undefined);
  }

  #finish(key: string | null): void {
    mark(`page: overview ${this.#source ?? 'done'}${this.#source === 'saved' && this.#savedConfirmed ? ' (confirmed)' : ''}${this.#fromCube ? ' (overview table)' : ''}`);
    this.#running = false;
    this.#completedKey = key;
    for (const wake of this.#settledWaiters.splice(0)) wake();
  }
}
