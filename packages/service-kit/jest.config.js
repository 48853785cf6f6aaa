// The kit's own tests need no database: global-setup only makes the run's token key pair.
module.exports = require('@ebs/test-support/jest-config')({ globalSetup: '<rootDir>/test/support/global-setup.ts' });
