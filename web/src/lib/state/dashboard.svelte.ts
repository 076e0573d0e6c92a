import { tick } from 'svelte';
import { mark } from '../engine/timeline';
import type { DataEngine, EdgeConnection } from '../engine/data-engine';
import { ConnectionState } from './connection.svelte.ts';
import { EngineStatusState } from './engine-status.svelte.ts';
import { SavedReports } from '../reports/saved-reports';
import { errorMessage } from './errors';
import { EventCatalogState } from './event-catalog.svelte.ts';
import { LiveCounts } from './live-counts.svelte.ts';
import { LoadState } from './load-state.svelte.ts';
import { OverviewData } from './overview-data.svelte.ts';
import { SqlConsole } from './sql-console.svelte.ts';
import { ThemeState } from './theme.svelte.ts';
import { parseUrlState, type DateRange, type RangePreset, type UrlState } from './url-state';
import { ViewState } from './view-state.svelte.ts';
import { AccessState } from './role-access.svelte.ts';

const SHOW_CACHE_FIRST_MS = 15_000;

/**
 * The dashboard's state and the few actions that touch more than one part of it: connect, open files, change the
 * date range (which reloads from the edge), restart a crashed engine. Components read the parts and call these.
 */
export class Dashboard {
  readonly engine: DataEngine;
  readonly view: ViewState;
  readonly theme: ThemeState;
  readonly connection: ConnectionState;
  /** the edge token's role: a viewer's dashboard never loads event rows */
  readonly access: AccessState;
  readonly load: LoadState;
  readonly engineStatus: EngineStatusState;
  readonly overview: OverviewData;
  readonly live: LiveCounts;
  readonly sql: SqlConsole;
  /** event names and properties of the loaded data, for the analysis views' pickers */
  readonly catalog: EventCatalogState;
  /** saved reports and segments (IndexedDB, this browser only) */
  readonly saved: SavedReports;
  #viewStates = new Map<string, unknown>();
  #startError = $state<string | null>(null);
  #started = $state(false);
  #includeFlagged = $state(false);

  constructor(engine: DataEngine, options: { initialUrl?: UrlState; theme?: ThemeState; saved?: SavedReports; access?: AccessState } = {}) {
    this.engine = engine;
    this.view = new ViewState(options.initialUrl ?? parseUrlState(''));
    this.theme = options.theme ?? new ThemeState();
    this.connection = new ConnectionState(engine);
    this.access = options.access ?? new AccessState();
    this.load = new LoadState(engine);
    this.engineStatus = new EngineStatusState(engine);
    this.overview = new OverviewData();
    this.live = new LiveCounts(engine);
    this.sql = new SqlConsole(engine);
    this.catalog = new EventCatalogState(engine);
    this.saved = options.saved ?? new SavedReports();
  }

  get started(): boolean {
    return this.#started;
  }
  get startError(): string | null {
    return this.#startError;
  }

  /**
   * Whether the analyses read rows flagged as invalid (off by default; each result's footnote offers the switch).
   * Like the date range it belongs to the dashboard, not to saved reports.
   */
  get includeFlagged(): boolean {
    return this.#includeFlagged;
  }
  setIncludeFlagged(include: boolean): void {
    this.#includeFlagged = include;
  }

  /** On page open: restore the saved connection, show cached data at once, then fetch what is new from the edge. */
  async start(): Promise<void> {
    try {
      const saved = await this.connection.restore();
      mark('page: connection restored');
      if (saved) {
        // The role first: a viewer token reads aggregates only, so neither the cache nor the edge is asked for rows.
        await this.access.refresh(saved);
        mark('page: role known');
        this.#started = true;
        if (this.access.rowsForbidden) return;
        // The views show at once: a load into the empty table publishes its first files early and they draw them.
        await this.load.fromCache(this.view.range);
        // Draw the cached data before asking the edge for news: the engine runs one thing at a time. The edge load
        // then keeps every cached file already in the table and appends only new ones.
        await tick();
        if (this.overview.running) await this.overview.settled(SHOW_CACHE_FIRST_MS);
        await this.load.fromEdge(this.view.range);
      } else {
        await this.load.refreshInfo();
        void this.load.refreshCacheStats();
        if (!this.load.hasData && this.view.view === 'overview') this.view.show('connect');
      }
    } catch (error) {
      this.#startError = `The dashboard could not start: ${errorMessage(error)}`;
    } finally {
      this.#started = true;
    }
  }

  /**
   * A view's own state, made on first use and kept while the page lives, so leaving a view and coming back keeps
   * its spec and result. `key` is the view's name (one state object per view).
   */
  viewState<T>(key: string, make: () => T): T {
    if (!this.#viewStates.has(key)) this.#viewStates.set(key, make());
    return this.#viewStates.get(key) as T;
  }

  async connect(connection: EdgeConnection): Promise<void> {
    await this.connection.save(connection);
    await this.access.refresh(connection);
    this.view.show('overview');
    if (this.access.rowsForbidden) {
      // The table may hold rows of an earlier connection; a viewer's dashboard shows none of them (clearing the local
      // data forgets the saved connection too, so it is saved again).
      if (this.load.hasData) await this.load.clearLocalData({ then: () => this.connection.save(connection) });
      return;
    }
    await this.load.fromEdge(this.view.range);
  }

  async openFiles(files: File[]): Promise<void> {
    if (files.length === 0) return;
    const hadData = this.load.hasData;
    const openedFrom = this.view.view;
    const result = await this.load.fromFiles(files);
    if (!result || result.rows === 0) return; // nothing decoded: the engine kept the previous table, and so do we
    this.connection.useFiles();
    this.access.forget();
    this.live.stop();
    const info = this.load.info;
    if (info?.minTime && info.maxTime) this.view.setRange({ from: info.minTime.slice(0, 10), to: info.maxTime.slice(0, 10) });
    // First data: show the overview, unless the user moved on to another view while the files were loading.
    if (this.load.hasData && !hadData && this.view.view === openedFrom && openedFrom === 'connect') this.view.show('overview');
  }

  async setPreset(preset: RangePreset): Promise<void> {
    this.view.setPreset(preset);
    await this.#rangeChanged();
  }

  async setRange(range: DateRange): Promise<void> {
    this.view.setRange(range);
    await this.#rangeChanged();
  }

  /** Back / forward in the browser: take the URL's state; reload when its range differs. */
  async navigated(state: UrlState): Promise<void> {
    const before = this.view.range;
    this.view.replace(state);
    if (before.from !== state.range.from || before.to !== state.range.to) await this.#rangeChanged();
  }

  async restartEngine(): Promise<void> {
    this.overview.clear();
    await this.engineStatus.restart();
    await this.load.afterRestart();
  }

  /** Empties the cache and the loaded table and forgets the saved connection (the engine does all three). */
  async clearLocalData(): Promise<void> {
    this.overview.clear();
    this.live.stop();
    await this.load.clearLocalData();
    this.connection.forget();
    this.access.forget();
  }

  /** Loads the edge's data again (after an import, say). */
  async reloadFromEdge(): Promise<void> {
    await this.#rangeChanged();
  }

  async #rangeChanged(): Promise<void> {
    if (this.connection.source === 'edge' && !this.access.rowsForbidden) await this.load.fromEdge(this.view.range);
  }
}
