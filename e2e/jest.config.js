// Each file starts a whole stack of its own (fresh database, own NATS): one at a time on 2 cores. global-setup
// finds MySQL and Redis by test-support's rule.
module.exports = require('@ebs/test-support/jest-config')({ testRun: true, maxWorkers: 1, testTimeout: 120000 });
