import { describeStreamOwnership } from '@ebs/service-kit/testing';
import { CONSUMER_NAME } from '../src/messaging/bookings.consumer';
import { createTestApp } from './support/test-app';

// The bookings consumer keeps the BOOKINGS stream's settings and never creates it (the kit's suite).
describeStreamOwnership({ consumerName: CONSUMER_NAME, createApp: (env) => createTestApp(env) });
