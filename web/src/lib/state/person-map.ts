/**
 * The analyses build `person_map` once (ensurePersonMap only checks that the table exists) and do not notice new
 * data. The dashboard replaces the events table on every load, so every analysis view calls this before it runs:
 * the map is rebuilt once per loaded table, keyed by the load's `dataVersion`, whichever view asks first.
 */
import { buildPersonMap } from '@privacy-analytics/core/analytics';
import type { QueryEngine } from '@privacy-analytics/core/engine';

const builtFor = new WeakMap<QueryEngine, number>();

export async function freshPersonMap(engine: QueryEngine, dataVersion: number): Promise<void> {
  if (builtFor.get(engine) === dataVersion) return;
  await buildPersonMap(engine);
  builtFor.set(engine, dataVersion);
}
