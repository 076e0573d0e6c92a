export * from './rng';
export * from './sfc32';
export * from './splitmix32';
export * from './xoshiro128ss';
