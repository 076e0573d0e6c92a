export * from './retry';
export * from './wire-schemas';
export * from './audience-holdout';
