/**
 * Kinds of tests (docs/testing.md "Running the suite"): unit (pure logic, no server), integration (store, activities, handlers and
 * tools against DynamoDB Local, the fake Messages API and other local servers), workflow (real Temporal dev
 * server and time-skipping test server), replay (committed histories), package (the packed tarball installed in
 * an empty folder). globalSetup starts the Temporal dev server and DynamoDB Local once for the run.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const common = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Examples import the package by name (as a user does); in this repository the name maps to the sources.
  moduleNameMapper: { '^durable-memory-manager$': '<rootDir>/src/index.ts', '^durable-memory-manager/(.*)$': '<rootDir>/src/$1/index.ts' },
  setupFiles: ['<rootDir>/test/support/test-process-env.ts'],
};
const temporalLogs = [...common.setupFiles, '<rootDir>/test/support/quiet-temporal-logs.ts'];

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120_000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    {
      ...common,
      displayName: 'workflow',
      testMatch: ['<rootDir>/test/workflow/**/*.test.ts'],
      setupFiles: temporalLogs,
    },
    {
      ...common,
      displayName: 'replay',
      testMatch: ['<rootDir>/test/replay/**/*.test.ts'],
      setupFiles: temporalLogs,
    },
    { ...common, displayName: 'package', testMatch: ['<rootDir>/test/package/**/*.test.ts'] },
  ],
};
