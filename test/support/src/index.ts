export * from './ports.js';
export * from './processes.js';
export * from './nats-server.js';
export * from './service.js';
export * from './media-server.js';
export * from './ffmpeg.js';
export * from './netns.js';
