export * from './compact-tables';
export * from './errors';
export * from './events-table';
export * from './query-engine';
export * from './sql-params';
