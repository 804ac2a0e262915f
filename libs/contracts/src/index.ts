export * from './errors.js';
export * from './identity.js';
export * from './schemas.js';
export * from './subjects.js';
export * from './kv.js';
export * from './codec.js';
export * from './client.js';
export * from './console.js';
