/**
 * The analyses build `person_map` once (ensurePersonMap only checks that the table exists) and do not notice new
 * data. The dashboard replaces the events table on every load, so every analysis view calls this before it runs:
 * the map is rebuilt once per loaded table, keyed by the load's `dataVersion`, whichever view asks first. The
 * dashboard's engine keeps the map in its local warehouse with the files it was built from (DataEngine
 * .ensurePersonMap): a new dataVersion over the same files, e.g. a warm visit, does not build it again.
 */
import { buildPersonMap } from '@privacy-analytics/core/analytics';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { mark } from '../engine/timeline';

const builtFor = new WeakMap<QueryEngine, number>();

type KeepsPersonMap = QueryEngine & {
  personMapState(): Promise<{ current: boolean; fingerprint: string | null }>;
  notePersonMap(fingerprint: string): Promise<boolean>;
};
const keepsPersonMap = (engine: QueryEngine): engine is KeepsPersonMap => typeof (engine as Partial<KeepsPersonMap>).personMapState === 'function';

/** the build running per engine: a view's background preparation and its Run share it */
const running = new WeakMap<QueryEngine, { dataVersion: number; done: Promise<void> }>();

export function freshPersonMap(engine: QueryEngine, dataVersion: number): Promise<void> {
  if (builtFor.get(engine) === dataVersion) return Promise.resolve();
  const current = running.get(engine);
  if (current?.dataVersion === dataVersion) return current.done;
  const done = build(engine, dataVersion).finally(() => {
    if (running.get(engine)?.done === done) running.delete(engine);
  });
  running.set(engine, { dataVersion, done });
  return done;
}

async function build(engine: QueryEngine, dataVersion: number): Promise<void> {
  if (keepsPersonMap(engine)) {
    // kept in the warehouse for these files: nothing to build. Otherwise built over query() (the query connection,
    // between the page's other queries; on the load connection it waited behind them statement by statement) and
    // then kept for the files it was built from.
    mark('page: person map state asked');
    const state = await engine.personMapState();
    mark(`page: person map ${state.current ? 'kept' : 'build'}`);
    if (!state.current) {
      await buildPersonMap(engine);
      mark('page: person map built');
      // noted without waiting: the note checkpoints the warehouse file (a second on a loaded machine), which the
      // analysis waiting for this map need not wait for (the worker's writes wait for the queries queued before them)
      if (state.fingerprint) void engine.notePersonMap(state.fingerprint).catch(() => undefined);
    }
  } else await buildPersonMap(engine);
  builtFor.set(engine, dataVersion);
}

/**
 * For the views whose analyses need the identity map (funnels, paths, retention): builds it in the background once
 * the data is in, so Run finds it ready (or kept from an earlier visit over the same files). Not on the overview,
 * whose date and filter changes would queue behind the build.
 */
export function preparePersonMap(engine: QueryEngine, dataVersion: number, ready: boolean): void {
  if (ready) void freshPersonMap(engine, dataVersion).catch(() => undefined);
}
