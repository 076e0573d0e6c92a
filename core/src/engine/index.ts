export * from './compact-tables';
export * from './query-engine';
export * from './sql-params';
