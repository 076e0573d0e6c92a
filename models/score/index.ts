export * from './id-map';
export * from './person-scores';
export * from './scoring';
