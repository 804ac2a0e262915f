// Jest runs in ESM mode (NestJS 12 is ESM-only) with @swc/jest, which keeps decorator metadata
// for Nest's dependency injection. Workspace packages resolve to their sources, so tests need no build.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^@desk-onvif/test-support$': '<rootDir>/test/support/src/index.ts',
    '^@desk-onvif/rtsp-relay$': '<rootDir>/test/rtsp-relay/src/index.ts',
    '^@desk-onvif/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

/** unit: `*.spec.ts` beside the code. medium: `*.test.ts` under a test/ folder, real processes.
 * `make test` selects unit and medium; bench is for `make bench-…` only. */
export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{libs,services}/*/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'medium',
      testMatch: ['<rootDir>/{libs,services}/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
      // test/compose needs a Docker engine (make test-compose), which CI does not have.
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, '<rootDir>/test/compose/'],
      // Every captured ONVIF/WS-Discovery message is validated in one call at the end of the run.
      globalSetup: '<rootDir>/test/support/src/xml-capture.setup.ts',
      globalTeardown: '<rootDir>/test/support/src/xml-capture.teardown.ts',
    },
    // docker-compose.yml brought up for real where a Docker engine answers: `make test-compose` only.
    { ...common, displayName: 'compose', testMatch: ['<rootDir>/test/compose/**/*.test.ts'] },
    // Benchmarks run only through `make bench-…`; each writes bench/results/<name>.json.
    { ...common, displayName: 'bench', testMatch: ['<rootDir>/bench/**/*.bench.ts'] },
  ],
  testTimeout: 120000,
};
