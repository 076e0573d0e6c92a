/**
 * Keeps the local overview table (core's overview-cube.ts) in step with the warehouse and answers the overview from
 * it: after each load the table is rebuilt in the background if the files of the shown scope changed (one build at a
 * time; a change during a build starts another). An overview asked for while the table is out of date or building is
 * answered with the reason, and the dashboard queries `events` as before; it never waits for a build.
 */
import { CUBE_SOURCE, cubeCannotAnswer, overviewKpis, runOverviewOnce, type OverviewKpis, type OverviewSpec } from '@privacy-analytics/core/analytics';
import { CountedWork } from '../../engine/counted-work';
import type { CubeOverview } from '../../engine/data-engine';
import { errorMessage } from '../../engine/errors';
import { sessionEngine, type DuckDbSession } from './duckdb-session';
import type { Warehouse } from './warehouse';
import { mark } from '../../engine/timeline';

export class OverviewCubeKeeper {
  readonly #open: () => Promise<{ session: DuckDbSession; warehouse: Warehouse }>;
  #building: Promise<void> | null = null;
  #again = false;
  #lastError: string | null = null;
  /** the fingerprint of the table last warmed up (#warmUp) */
  #warmed: string | null = null;
  /** statements over the table under way (a build waits for them to end: see #read) */
  readonly #reading = new CountedWork();

  constructor(open: () => Promise<{ session: DuckDbSession; warehouse: Warehouse }>) {
    this.#open = open;
  }

  /**
   * Reads the table once over its last day, when it is current (after a build under way): the first statement over it
   * after the database opens pays for reading its row groups' metadata and for DuckDB's code running for the first
   * time (the wasm is optimised as it runs). The overview asks for this once its data is loaded: without it the
   * first filter on a warm open took 0.57 s at 1M events and the same filter again 0.27 s. Not done after every
   * load: a funnel view opened at once would wait for it. One day keeps it small at any size.
   */
  async warmUp(): Promise<void> {
    if (this.#building) await this.#building;
    const { session, warehouse } = await this.#open();
    const scope = warehouse.view?.scope;
    if (!scope || !warehouse.cubeIsCurrent(scope)) return;
    const fingerprint = warehouse.cubeFingerprint(scope);
    if (this.#warmed === fingerprint) return;
    this.#warmed = fingerprint;
    const days = warehouse.files(scope).map((f) => f.date ?? f.maxTime?.slice(0, 10) ?? null).filter((d): d is string => d !== null && /^\d{4}-\d{2}-\d{2}$/.test(d));
    const day = days.sort().at(-1);
    if (!day) return;
    const engine = readEngine(session);
    mark('overview table: warm-up');
    await this.#read(() => runOverviewOnce(engine, { from: day, to: day, filters: [], granularity: 'day' }, CUBE_SOURCE)).catch(() => undefined);
    mark('overview table: warmed up');
  }

  /**
   * A statement over the table, counted: a build waits until none is under way before it drops and replaces the
   * table, so that its commit never meets a paused statement still reading the old one in DuckDB-Wasm's one thread.
   * (A read starts only while the table is current, so none starts once the files changed.)
   */
  #read<T>(statement: () => Promise<T>): Promise<T> {
    return this.#reading.run(statement);
  }

  /** Starts a build if the shown scope's files differ from the table's; returns when that build (if any) ended. */
  refresh(): Promise<void> {
    if (this.#building) {
      this.#again = true;
      return this.#building;
    }
    this.#building = (async () => {
      try {
        do {
          this.#again = false;
          const { warehouse } = await this.#open();
          const scope = warehouse.view?.scope;
          if (!scope) continue;
          try {
            if (!warehouse.cubeIsCurrent(scope)) {
              mark('overview table: build');
              await this.#reading.idle();
              await warehouse.buildCube(scope);
              mark('overview table: built');
            }
            this.#lastError = null;
          } catch (error) {
            this.#lastError = errorMessage(error);
          }
        } while (this.#again);
      } finally {
        this.#building = null;
      }
    })();
    return this.#building;
  }

  /**
   * The figures alone (sessions included), for an overview whose other panels come from the rollups but whose
   * sessions must come from rows (flush files in the range): over the table, a fraction of the same query over `events`.
   */
  async kpis(spec: OverviewSpec): Promise<{ kpis: OverviewKpis | null; reason: string | null }> {
    const cannot = cubeCannotAnswer(spec);
    if (cannot) return { kpis: null, reason: cannot };
    const { session, warehouse } = await this.#open();
    const scope = warehouse.view?.scope;
    if (!scope) return { kpis: null, reason: 'no data loaded' };
    // no build from here: this is asked on every refresh while a first load runs, and a build belongs after loads
    if (!warehouse.cubeIsCurrent(scope)) return { kpis: null, reason: 'the local overview table is not current' };
    const engine = readEngine(session);
    return { kpis: await this.#read(() => overviewKpis(engine, spec, CUBE_SOURCE)), reason: null };
  }

  async overview(spec: OverviewSpec): Promise<CubeOverview> {
    const started = performance.now();
    const answer = (over: Partial<CubeOverview>): CubeOverview => ({ result: null, reason: null, ms: Math.round(performance.now() - started), ...over });
    const cannot = cubeCannotAnswer(spec);
    if (cannot) return answer({ reason: cannot });
    const { session, warehouse } = await this.#open();
    const scope = warehouse.view?.scope;
    if (!scope) return answer({ reason: 'no data loaded' });
    if (!warehouse.cubeIsCurrent(scope)) {
      void this.refresh();
      return answer({ reason: this.#lastError ? `the local overview table could not be built: ${this.#lastError}` : 'the local overview table is being built' });
    }
    const engine = readEngine(session);
    // every panel in one statement: each DuckDB-Wasm statement costs ~40 ms of messages before any work (overviewQuery)
    mark('overview table: query');
    const result = await this.#read(() => runOverviewOnce(engine, spec, CUBE_SOURCE));
    mark('overview table: answered');
    return answer({ result });
  }
}

/** The session's own connection for reads: neither a long SQL console query nor a load holds it up. */
const readEngine = (session: DuckDbSession) => sessionEngine((sql) => session.read(sql));
