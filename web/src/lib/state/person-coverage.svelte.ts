/**
 * The person-count footnote's data (components/PersonCountNote.svelte): the identity coverage of the loaded data, one
 * per dashboard, asked for when a view that shows a count of persons opens (never by the overview) and again after a
 * load. The data worker computes it once per set of loaded files (person-map-keeper.ts); the identity map is built
 * first through freshPersonMap, shared with the view's own analyses.
 */
import type { IdentityCoverage } from '@privacy-analytics/core/analytics';
import type { DataEngine } from '../engine/data-engine';
import { freshPersonMap } from './person-map';

export type PersonCoverage =
  | { kind: 'idle' }
  | { kind: 'computing' }
  | { kind: 'ready'; coverage: IdentityCoverage }
  | { kind: 'no data' }
  | { kind: 'failed' };

export class PersonCoverageState {
  readonly #engine: DataEngine;
  #status = $state<PersonCoverage>({ kind: 'idle' });
  /** the dataVersion asked for (-1: none, or the last ask failed and may be repeated) */
  #askedFor = -1;

  constructor(engine: DataEngine) {
    this.#engine = engine;
  }

  get status(): PersonCoverage {
    return this.#status;
  }

  /** Asks once per loaded table (`dataVersion`) once the data is in (`ready`: loaded and no load running). */
  request(dataVersion: number, ready: boolean): void {
    if (!ready || this.#askedFor === dataVersion) return;
    this.#askedFor = dataVersion;
    this.#status = { kind: 'computing' };
    void this.#compute(dataVersion);
  }

  async #compute(dataVersion: number): Promise<void> {
    try {
      await freshPersonMap(this.#engine, dataVersion);
      const coverage = await this.#engine.identityCoverage();
      if (this.#askedFor !== dataVersion) return;
      this.#status = coverage ? { kind: 'ready', coverage } : { kind: 'no data' };
    } catch {
      // the footnote says it could not count (no raw error text); the next view that opens asks again
      if (this.#askedFor !== dataVersion) return;
      this.#askedFor = -1;
      this.#status = { kind: 'failed' };
    }
  }
}
