// Every test makes a database (and accounts) of its own: two run at once. global-setup finds MySQL.
module.exports = require('@ebs/test-support/jest-config')({ testRun: true, maxWorkers: 2, testTimeout: 60000 });
