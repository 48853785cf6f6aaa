// jest globalTeardown of every package that sets up with testRunSetup (see src/test-run.ts).
module.exports = require('../dist/test-run').testRunTeardown;
