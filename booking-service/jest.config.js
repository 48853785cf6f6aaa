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
  // Two workers (the machine's cores), each with a database of its own (test/support/worker-db.ts). Tests assert
  // on the rows they made, but some code under test works on whole tables by design: every outbox relay claims
  // and publishes all due rows (another suite's relay would publish this suite's rows, to its own NATS), the
  // outbox_backlog gauge counts the table, the key purge deletes every expired key. So suites that run at the
  // same time never share a database; the suites of one worker run one after another, as they always did.
  // Server-wide views (information_schema) are filtered by the suite's own connections (rush.test.ts).
  setupFiles: ['<rootDir>/test/support/worker-db.ts'],
  maxWorkers: 2,
  testTimeout: 30000,
};
