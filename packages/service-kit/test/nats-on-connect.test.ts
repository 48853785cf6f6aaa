import { findBinary, type OwnServer, startOwnServer } from '@ebs/test-support';
import { createNatsLink } from '../src/messaging';
import { createLogger } from '../src/observability';

// onConnect (booking-service: make sure the BOOKINGS stream is as configured) is retried while it fails, not
// only at the next reconnect: a JetStream cluster whose third node is still starting cannot place a 3-replica
// stream, and a second later it can.
describe('the NATS link’s onConnect', () => {
  let server: OwnServer | undefined;
  afterEach(async () => {
    await server?.stop();
  });

  test('when onConnect fails, then the link tries it again on the same connection until it succeeds, and the first connect does not wait for the retries', async () => {
    const binary = findBinary('nats-server') ?? 'nats-server';
    server = await startOwnServer(binary, (port) => ['-a', '127.0.0.1', '-p', String(port)]);
    const attempts: number[] = [];
    let succeeded: () => void = () => {};
    const done = new Promise<void>((r) => {
      succeeded = r;
    });
    const link = createNatsLink({
      url: `nats://127.0.0.1:${server.port}`,
      name: 'test',
      logger: createLogger('test', 'silent'),
      onConnect: async () => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error('stream cannot be placed yet');
        succeeded();
      },
    });
    try {
      await link.firstConnect;
      expect(attempts).toHaveLength(1); // the first connect is made; the retries go on in the background
      await done;
      expect(attempts).toHaveLength(3);
      // Backoff: 1 s, then 2 s.
      expect((attempts[1] as number) - (attempts[0] as number)).toBeGreaterThanOrEqual(1_000);
      expect((attempts[2] as number) - (attempts[1] as number)).toBeGreaterThanOrEqual(2_000);
      expect(link.isConnected()).toBe(true);
    } finally {
      await link.close();
    }
  });
});
