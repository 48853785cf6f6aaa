/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Each worker gets a nats-server of its own (global-setup); suites share the run's database and Redis and
  // assert only on their own rows and keys (tests about a whole table use a database of their own).
  setupFiles: ['<rootDir>/test/support/worker-nats.ts'],
  maxWorkers: 2,
  testTimeout: 30000,
};
