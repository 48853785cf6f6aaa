import { testKeyPairEnv } from '@ebs/service-kit/testing';
import { testRunSetup } from '@ebs/test-support';

// Runs once per jest run: a database per jest worker and a nats-server of the run's own (temporary JetStream
// store). Tests assert on the rows they made, but some code under test works on whole tables by design: every
// outbox relay claims and publishes all due rows (another suite's relay would publish this suite's rows, to its
// own NATS), the outbox_backlog gauge counts the table, the key purge deletes every expired key. So suites that
// run at the same time never share a database; the suites of one worker run one after another. Server-wide
// views (information_schema) are filtered by the suite's own connections (rush.test.ts).
export default testRunSetup({ databases: 'per-worker', nats: 'one', env: testKeyPairEnv });
