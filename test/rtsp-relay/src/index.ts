export * from './auth.hook.js';
export * from './relay.paths.js';
export * from './rtsp-relay.js';
export * from './rtsp.message.js';
export * from './sdp.js';
export * from './track.info.js';
export * from './rtsp.auth.js';
export * from './rtp.udp.js';
