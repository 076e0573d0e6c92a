/** The analyses by name, each as spec parser + runner over any QueryEngine (dashboard, CLI, tests). */
import type { QueryEngine } from '../engine/query-engine';
import { parseFunnelSpec, runFunnel } from './funnel';
import { parsePathsSpec, runPaths } from './paths';
import { parseRetentionSpec, runRetention } from './retention';
import { parseRfmSpec, runRfm } from './rfm';
import { parseSegmentSpec, runSegment } from './segments';

export const ANALYSES = {
  funnel: { parse: parseFunnelSpec, run: runFunnel },
  retention: { parse: parseRetentionSpec, run: runRetention },
  paths: { parse: parsePathsSpec, run: runPaths },
  segment: { parse: parseSegmentSpec, run: runSegment },
  rfm: { parse: parseRfmSpec, run: runRfm },
} as const;

export type AnalysisName = keyof typeof ANALYSES;
export const ANALYSIS_NAMES = Object.keys(ANALYSES) as AnalysisName[];

/** Validates `spec` for `name` (throws SpecError) and runs it. */
export async function runAnalysis(name: AnalysisName, engine: QueryEngine, spec: unknown): Promise<unknown> {
  const analysis = ANALYSES[name];
  const parsed = analysis.parse(spec);
  return (analysis.run as (engine: QueryEngine, spec: unknown) => Promise<unknown>)(engine, parsed);
}

export { buildPersonMap, identityStats } from './identity';
export { SpecError } from './spec';
