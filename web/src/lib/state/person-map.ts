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

type KeepsPersonMap = QueryEngine & { ensurePersonMap(): Promise<'kept' | 'built' | 'no data'> };
const keepsPersonMap = (engine: QueryEngine): engine is KeepsPersonMap => typeof (engine as Partial<KeepsPersonMap>).ensurePersonMap === 'function';

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
    // the data worker builds it (one build at a time, in turn with these queries) unless it
    // is kept in the warehouse for these files
    mark('page: person map asked');
    mark(`page: person map ${await engine.ensurePersonMap()}`);
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
