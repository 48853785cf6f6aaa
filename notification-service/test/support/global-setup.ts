import { testKeyPairEnv } from '@ebs/service-kit/testing';
import { testRunSetup } from '@ebs/test-support';

// Runs once per jest run: one fresh database and a nats-server per jest worker (temporary JetStream store), so a
// durable consumer, its pending counts and its metrics belong to the suites of that worker; suites assert only
// on their own rows (replaying every parked message uses a database of its own).
export default testRunSetup({ databases: 'shared', nats: 'per-worker', env: testKeyPairEnv });
