import { testKeyPairEnv } from '@ebs/service-kit/testing';
import { testRunSetup } from '@ebs/test-support';

// Runs once per jest run: one fresh database and Redis key prefix for the run, and a nats-server per jest worker
// (temporary JetStream store), so a durable consumer, its pending counts and metrics belong to the suites of
// that worker. Suites assert only on their own rows and keys; tests about a whole table use a database of their own.
export default testRunSetup({ databases: 'shared', nats: 'per-worker', redis: true, env: testKeyPairEnv });
