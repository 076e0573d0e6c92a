export * from './bots';
export * from './channel';
export * from './extract-commerce';
export * from './normalise-message';
