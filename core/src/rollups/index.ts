export * from './distinct-sketch';
export * from './hyperloglog';
export * from './overview-from-rollups';
export * from './rollup-parquet';
export * from './rollup-rows';
export * from './compare-overviews';
export * from './overview-reference';
