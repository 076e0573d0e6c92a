export * from './bots';
export * from './channel';
export * from './extract-commerce';
export * from './messages-to-rows';
export * from './normalise-message';
export * from './contact-keys';
export * from './consent';
