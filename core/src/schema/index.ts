export * from './event-columns';
export * from './segment-message';
