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
  // Each worker gets a nats-server of its own (global-setup), so a durable consumer, its pending counts and
  // its metrics belong to the suites of that worker; suites share the run's database and assert only on
  // their own rows (replaying every parked message uses a database of its own).
  setupFiles: ['<rootDir>/test/support/worker-nats.ts'],
  maxWorkers: 2,
  testTimeout: 30000,
};
