// Benchmarks run as jest files (the test helpers are TypeScript sources): the medium project's
// settings, with `*.bench.ts` under bench/ as the tests. `make bench-…` targets pass this config.
import root from '../jest.config.js';

const medium = root.projects.find((p) => p.displayName === 'medium');

export default {
  ...medium,
  rootDir: '..',
  displayName: 'bench',
  testMatch: ['<rootDir>/bench/**/*.bench.ts'],
  testTimeout: 600_000,
};
