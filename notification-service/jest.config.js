// Two workers (the machine's cores); test/support/global-setup.ts says what each run and worker gets.
module.exports = require('@ebs/test-support/jest-config')({ testRun: true, maxWorkers: 2 });
