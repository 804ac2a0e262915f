export * from './ports.js';
export * from './processes.js';
export * from './nats-server.js';
export * from './service.js';
export * from './onvif-xml.js';
