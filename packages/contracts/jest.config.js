module.exports = require('@ebs/test-support/jest-config')();
