export * from './certificates.js';
export * from './site-pki.store.js';
