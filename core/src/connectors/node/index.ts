export * from './duckdb-native-store';
export * from './duckdb-wasm-store';
export * from './encode-rows';
export * from './event-store';
