import { describeStreamOwnership } from '@ebs/service-kit/testing';
import { CONSUMER_NAME } from '../src/messaging/cache-refresh.consumer';
import { createTestApp } from './support/test-app';

// The cache-refresh consumer keeps the BOOKINGS stream's settings and never creates it (the kit's suite).
describeStreamOwnership({
  consumerName: CONSUMER_NAME,
  createApp: (env) => createTestApp(env, { withConsumer: true }),
});
