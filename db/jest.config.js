// Every test makes a database (and accounts) of its own: two run at once. global-setup finds MySQL.
module.exports = require('@ebs/test-support/jest-config')({
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60000,
});
