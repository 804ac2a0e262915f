/** WS-Discovery 2005/04 over SOAP-over-UDP for ONVIF devices: pure codec and matching, no I/O. */
export * from './namespaces.js';
export * from './message.parse.js';
export * from './message.build.js';
export * from './scope.match.js';
export { escapeXml } from '@desk-onvif/safe-xml';
