import { findBinary, type OwnServer, startOwnServer } from '@ebs/test-support';
import { createNatsLink, natsServers } from '../src/messaging';
import { createLogger } from '../src/observability';

// NATS with credentials (k8s takes them from the Secret): they travel in NATS_URL, as for REDIS_URL.

describe('NATS_URL with credentials', () => {
  let server: OwnServer | undefined;
  afterEach(async () => {
    await server?.stop();
  });

  test('when NATS_URL carries user:password, then the link connects to a server that requires them', async () => {
    const binary = findBinary('nats-server') ?? 'nats-server';
    server = await startOwnServer(binary, (port) => [
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '--user',
      'ebs',
      '--pass',
      's3cret/+@',
    ]);
    const link = createNatsLink({
      url: `nats://ebs:${encodeURIComponent('s3cret/+@')}@127.0.0.1:${server.port}`,
      name: 'test',
      logger: createLogger('test', 'silent'),
    });
    const nc = await link.firstConnect;
    expect(link.isConnected()).toBe(true);
    expect(nc.getServer()).toBe(`127.0.0.1:${server.port}`);
    await link.close();
  });

  test('when NATS_URL has no credentials or several servers, then they pass through unchanged', () => {
    expect(natsServers('nats://127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'] });
    expect(natsServers('nats://u:p%40ss@a:4222,nats://u:p%40ss@b:4222')).toEqual({
      servers: ['nats://a:4222', 'nats://b:4222'],
      user: 'u',
      pass: 'p@ss',
    });
  });
});
