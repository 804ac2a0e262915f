export * from './config.js';
export * from './logger.js';
export * from './metrics.js';
export * from './nats.connection.js';
export * from './nats.transport.js';
export * from './rpc.js';
export * from './bootstrap.js';
export * from './kv.js';
