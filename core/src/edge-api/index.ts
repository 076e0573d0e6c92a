export * from './retry';
export * from './wire-schemas';
