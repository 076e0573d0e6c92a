export * from './date-range';
export * from './units';
