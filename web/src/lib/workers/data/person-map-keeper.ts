/**
 * Keeps `person_map` (core's identity.ts) in step with the `events` view: built once per set of files shown and kept
 * in the warehouse's file with their fingerprint (Warehouse.personMapFingerprint), so a warm visit over unchanged
 * files runs its first funnel without building it again. The one builder of the map: the page asks for it
 * (DataEngine.ensurePersonMap, through state/person-map.ts) and the data worker asks when the page is quiet. Built on
 * a connection of its own, in turn with the page's queries (on the load connection it waited behind them statement by
 * statement); a load that commits during a build makes the build count for nothing (the next ask builds again).
 * One build at a time: asks during a build wait for it.
 *
 * It also keeps the identity coverage of that map (core's identity-coverage.ts: persons, identified share, online /
 * offline link rate) for the dashboard's person-count footnote: computed once per set of files when a view that shows
 * the footnote first asks (never for the overview), again only after a load changed the files.
 */
import { buildPersonMap, identityCoverage, PERSON_MAP, type IdentityCoverage } from '@privacy-analytics/core/analytics';
import { mark } from '../../engine/timeline';
import { sessionEngine, type DuckDbSession } from './duckdb-session';
import { InTurn } from './in-turn';
import type { Warehouse } from './warehouse';

export type PersonMapAnswer = 'kept' | 'built' | 'no data';

export class PersonMapKeeper {
  readonly #open: () => Promise<{ session: DuckDbSession; warehouse: Warehouse }>;
  /** swaps, checks and builds, one at a time (a swap renames the tables a build writes) */
  readonly #turns = new InTurn();
  /** the coverage computed (or being computed) for the files named by `fingerprint` */
  #coverage: { fingerprint: string; done: Promise<IdentityCoverage> } | null = null;

  constructor(open: () => Promise<{ session: DuckDbSession; warehouse: Warehouse }>) {
    this.#open = open;
  }

  /** Builds person_map unless it was built from the files shown now. */
  ensure(): Promise<PersonMapAnswer> {
    return this.#turns.run(async () => {
      const { session, warehouse } = await this.#open();
      await this.#swap(warehouse);
      if (warehouse.personMapIsCurrent()) {
        mark('person map: kept');
        return 'kept';
      }
      return this.#build(session, warehouse);
    });
  }

  /**
   * When person_map is not of the files shown now: the map set aside for them comes back, or else person_map is set
   * aside before a build replaces it (Warehouse.setPersonMapAside: going back to the previous range needs no build).
   */
  async #swap(warehouse: Warehouse): Promise<void> {
    if (warehouse.personMapIsCurrent()) return;
    try {
      if (!(await warehouse.restoreKeptPersonMap())) await warehouse.setPersonMapAside();
    } catch {
      // only a saving: a failed swap leaves both tables as they were, and the map is built as before
    }
  }

  async #build(session: DuckDbSession, warehouse: Warehouse): Promise<PersonMapAnswer> {
    const fingerprint = warehouse.personMapFingerprint();
    if (fingerprint === null) return 'no data';
    mark('person map: build');
    const engine = sessionEngine((sql) => session.queryInTurn(sql));
    await buildPersonMap(engine);
    mark('person map: built');
    // a load committed meanwhile: the map may miss its files, or hold ids of rows that left (an erasure): dropped, the
    // next ask builds again
    if (warehouse.personMapFingerprint() === fingerprint) await warehouse.notePersonMap(fingerprint);
    else await session.queryInTurn(`DROP TABLE IF EXISTS ${PERSON_MAP}`);
    return 'built';
  }

  /**
   * identityCoverage() over person_map and the events shown now, with the default order event (`Order Completed`,
   * `revenue`): kept per fingerprint, so every view's footnote shares one computation. null: no data. Builds
   * person_map first when it is not current (the page usually built it already: freshPersonMap). Runs on the engine's
   * read connection (committed tables only; neither waits for nor holds up the page's queries and loads). When a load
   * commits meanwhile, the result counts for nothing and it is computed again for the new files.
   */
  async coverage(): Promise<IdentityCoverage | null> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if ((await this.ensure()) === 'no data') return null;
      const { session, warehouse } = await this.#open();
      const fingerprint = warehouse.personMapFingerprint();
      if (fingerprint === null) return null;
      let kept = this.#coverage;
      if (kept?.fingerprint !== fingerprint) {
        mark('identity coverage: compute');
        const engine = sessionEngine((sql) => session.read(sql));
        const done = identityCoverage(engine);
        kept = { fingerprint, done };
        this.#coverage = kept;
        done.then(
          () => mark('identity coverage: computed'),
          () => {
            if (this.#coverage === kept) this.#coverage = null;
          },
        );
      }
      const result = await kept.done;
      if (warehouse.personMapFingerprint() === fingerprint && warehouse.personMapIsCurrent()) return result;
      if (this.#coverage === kept) this.#coverage = null;
    }
    throw new Error('the loaded data changed while the identity coverage was computed');
  }
}
