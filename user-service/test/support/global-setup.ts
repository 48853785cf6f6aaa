import { testKeyPairEnv } from '@ebs/service-kit/testing';
import { testRunSetup } from '@ebs/test-support';

// Runs once per jest run: one fresh database for the run (suites assert only on their own rows; tests about a
// whole table make a database of their own), and the run's token key pair.
export default testRunSetup({ databases: 'shared', nats: 'none', env: testKeyPairEnv });
