export * from './catalog';
export * from './generate';
export * from './geo';
export * from './random';
export * from './serialize';
