export * from './csv';
export * from './table-time';
export * from './table-messages';
