export * from './capture.types.js';
export * from './input.args.js';
export * from './filter.graph.js';
export * from './picture.filters.js';
export * from './encoder.args.js';
export * from './encoder.choice.js';
export * from './capture.args.js';
export * from './ffmpeg.features.js';
