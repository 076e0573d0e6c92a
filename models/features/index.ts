export * from './person-features';
