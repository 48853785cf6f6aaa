// How tests find MySQL, Redis and NATS is one rule for every package: it lives in test-support/ (the root
// workspace @ebs/test-support). This file only re-exports it, so tests import from './support/infra'.
export * from '@ebs/test-support';
