import { buildPersonMap } from '../../analytics/identity';
import type { QueryEngine } from '../../engine/query-engine';

const builtFor = new WeakMap<QueryEngine, number>();

/**
 * Builds the identity map again when the loaded data changed since the last build. The analyses' own
 * ensurePersonMap only checks that the table exists, which in the browser would keep the map of files loaded
 * before.
 */
export async function freshPersonMap(engine: QueryEngine, dataVersion: number): Promise<void> {
  if (builtFor.get(engine) === dataVersion) return;
  await buildPersonMap(engine);
  builtFor.set(engine, dataVersion);
}
