import { describeHttpEdge } from '@ebs/service-kit/testing';
import { createTestApp } from './support/test-app';

// The kit's HTTP-edge suite, with this service's routes.
describeHttpEdge({
  list: '/events',
  listAllow: 'GET, HEAD, POST',
  bodyRoute: { method: 'POST', path: '/events' },
  idAllow: 'GET, HEAD, PATCH',
  needsNats: true,
  createApp: (env) => createTestApp(env),
});
