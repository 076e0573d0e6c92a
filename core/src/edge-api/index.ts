export * from './manifest-entry';
