export * from './auth-request.js';
export * from './auth-decision.js';
export * from './networks.js';
export * from './view-token.js';
