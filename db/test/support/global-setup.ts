import { testRunSetup } from '@ebs/test-support';

// Runs once per jest run: finds MySQL by the rule every package follows (test-support), so the tests'
// loadConfig(process.env) points at it. Each test still makes a database of its own.
export default testRunSetup({ databases: 'none', nats: 'none' });
