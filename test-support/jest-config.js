// The jest settings every package's tests share: TypeScript through @swc/jest, test/**/*.test.ts, 30 s per test.
// A package's jest.config.js is `module.exports = require('@ebs/test-support/jest-config')({ ...its own })`.
/** @param {import('jest').Config} own what this package adds or overrides (setup, workers, timeout) */
module.exports = function jestConfig(own = {}) {
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
    ...own,
  };
};
