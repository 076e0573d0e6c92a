/** Every analysis by name, each as spec parser + runner over any QueryEngine (dashboard, CLI, tests, benchmarks). */
import type { QueryEngine } from '../engine/query-engine';
import type { WithBasis } from './basis';
import { parseAttributionSpec, runAttribution } from './attribution';
import { parseBasketSpec, runBasket } from './basket';
import { parseCampaignLiftSpec, runCampaignLift } from './campaign-lift';
import { parseCustomerValueSpec, runCustomerValue } from './customer-value';
import { parseDataQualitySpec, runDataQuality } from './data-quality';
import { parseExperimentSpec, runExperiment } from './experiment';
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
  'customer-value': { parse: parseCustomerValueSpec, run: runCustomerValue },
  // Marketing analyses; attribution's runner also takes spend (see runAttribution), which runAnalysis does not pass.
  attribution: { parse: parseAttributionSpec, run: runAttribution },
  basket: { parse: parseBasketSpec, run: runBasket },
  experiment: { parse: parseExperimentSpec, run: runExperiment },
  'campaign-lift': { parse: parseCampaignLiftSpec, run: runCampaignLift },
  'data-quality': { parse: parseDataQualitySpec, run: runDataQuality },
} as const;

/** Any analysis. */
export type AnyAnalysisName = keyof typeof ANALYSES;
/** The behaviour analyses (the CLI's `analyze <name>` commands and the engines' cross-check). */
export const ANALYSIS_NAMES = ['funnel', 'retention', 'paths', 'segment', 'rfm', 'customer-value'] as const satisfies readonly AnyAnalysisName[];
export type AnalysisName = (typeof ANALYSIS_NAMES)[number];
/** The marketing analyses (the CLI's marketing commands). */
export const MARKETING_ANALYSIS_NAMES = ['attribution', 'basket', 'experiment', 'campaign-lift', 'data-quality'] as const satisfies readonly AnyAnalysisName[];
export type MarketingAnalysisName = (typeof MARKETING_ANALYSIS_NAMES)[number];

/** Validates `spec` for `name` (throws SpecError) and runs it; every result states its basis. */
export async function runAnalysis(name: AnyAnalysisName, engine: QueryEngine, spec: unknown): Promise<WithBasis<object>> {
  const analysis = ANALYSES[name];
  const parsed = analysis.parse(spec);
  return (analysis.run as (engine: QueryEngine, spec: unknown) => Promise<WithBasis<object>>)(engine, parsed);
}

export { buildPersonMap, identityStats } from './identity';
export { SpecError } from './spec';
