import { describeHttpEdge } from '@ebs/service-kit/testing';
import { createTestApp } from './support/test-app';

// The kit's HTTP-edge suite, with this service's routes.
describeHttpEdge({
  list: '/users',
  listAllow: 'GET, HEAD, POST',
  bodyRoute: { method: 'POST', path: '/users' },
  idAllow: 'GET, HEAD',
  needsNats: false,
  createApp: (env) => createTestApp(env),
});
