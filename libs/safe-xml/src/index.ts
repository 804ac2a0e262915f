export * from './safe.parser.js';
export * from './xml.text.js';
