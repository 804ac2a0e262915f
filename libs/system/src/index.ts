export * from './system.settings.js';
export * from './free.ports.js';
export * from './service.table.js';
export * from './desk.system.js';
export * from './readiness.js';
export * from './supervised.child.js';
export * from './system.trust.js';
