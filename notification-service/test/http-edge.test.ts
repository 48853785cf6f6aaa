import { describeHttpEdge } from '@ebs/service-kit/testing';
import { createTestApp } from './support/test-app';

// The kit's HTTP-edge suite, with this service's routes.
describeHttpEdge({
  list: '/notifications',
  listAllow: 'GET, HEAD',
  bodyRoute: { method: 'GET', path: '/notifications' },
  idAllow: undefined,
  needsNats: true,
  createApp: (env) => createTestApp(env),
});
