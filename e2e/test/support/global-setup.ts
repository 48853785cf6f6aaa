import { testRunSetup } from '@ebs/test-support';

// Runs once per jest run: finds MySQL and Redis by the rule every package follows (test-support); each
// stack (support/stack.ts) then makes its own database, Redis key prefix and nats-server on them.
export default testRunSetup({ databases: 'none', nats: 'none', redis: true });
