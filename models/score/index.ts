export * from './id-map';
export * from './person-scores';
export * from './scoring';
export * from './at-risk';
