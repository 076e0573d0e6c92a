export * from './ort-session';
