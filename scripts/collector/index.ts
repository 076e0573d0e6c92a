export * from './send-events';
export * from './write-parquet';
