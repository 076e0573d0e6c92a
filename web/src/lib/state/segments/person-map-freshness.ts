/**
 * The analyses build `person_map` once (ensurePersonMap) and do not notice new data. The dashboard replaces the
 * events table on every load, so the segment and RFM views rebuild the map once per loaded table, keyed by the
 * load's `dataVersion`. (A dashboard-wide hook after each load would serve every view; until then this keeps the
 * two views here right.)
 */
import { buildPersonMap } from '../../analytics/identity';
import type { QueryEngine } from '../../engine/query-engine';

const builtFor = new WeakMap<QueryEngine, number>();

export async function freshPersonMap(engine: QueryEngine, dataVersion: number): Promise<void> {
  if (builtFor.get(engine) === dataVersion) return;
  await buildPersonMap(engine);
  builtFor.set(engine, dataVersion);
}
