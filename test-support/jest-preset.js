// The jest preset of the four services (`"jest": { "preset": "@ebs/test-support" }` in their package.json): the
// shared base config, two workers (the machine's cores), and the run set up by the service's own
// test/support/global-setup.ts (testRunSetup), every test file pointed at its worker's database and nats-server.
module.exports = require('./jest-config')({ testRun: true, maxWorkers: 2 });
