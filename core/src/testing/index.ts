export * from './event-rows';
export * from './funnel-reference';
