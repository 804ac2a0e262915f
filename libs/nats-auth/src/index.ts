export * from './claims.js';
export * from './server.config.js';
export * from './nats-auth.store.js';
export * from './signer.js';
