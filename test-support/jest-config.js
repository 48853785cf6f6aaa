// The jest settings every package's tests share: TypeScript through @swc/jest, test/**/*.test.ts, 30 s per test.
// A package's jest.config.js is `module.exports = require('@ebs/test-support/jest-config')({ ...its own })`.
// With `testRun: true` the package's test/support/global-setup.ts sets the run up with testRunSetup (a database,
// nats-servers...): every test file is then pointed at its worker's own and the run is removed at the end.
/** @param {import('jest').Config & { testRun?: boolean }} own what this package adds or overrides */
module.exports = function jestConfig({ testRun = false, ...own } = {}) {
  return {
    testEnvironment: 'node',
    roots: ['<rootDir>/test'],
    testMatch: ['**/*.test.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
      ],
    },
    testTimeout: 30000,
    ...(testRun
      ? {
          globalSetup: '<rootDir>/test/support/global-setup.ts',
          globalTeardown: require.resolve('./jest/global-teardown.js'),
          setupFiles: [require.resolve('./jest/worker-infra.js')],
        }
      : {}),
    ...own,
  };
};
