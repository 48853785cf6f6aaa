import { rmSync } from 'node:fs';
import { BOOKINGS_STREAM } from '@ebs/contracts';
import { type OwnServer, startOwnNats, until } from '@ebs/test-support';
import { connect, type NatsConnection } from 'nats';
import { createBookingsStream } from './bookings-stream';

/** What the suite needs of a consumer service: its durable's name and its app, with the consumer running. */
export type StreamOwnershipSpec = {
  consumerName: string;
  createApp: (env: NodeJS.ProcessEnv) => { close: () => Promise<void> };
};

/**
 * booking-service alone owns the BOOKINGS stream's configuration (docs/messaging.md): a consumer service keeps
 * the settings it finds and never creates the stream. Each test gets a nats-server of its own, so whether the
 * stream exists, and how, is the test's doing alone. event-service and notification-service run it.
 */
export function describeStreamOwnership(spec: StreamOwnershipSpec): void {
  let nats: OwnServer & { storeDir: string };
  let nc: NatsConnection;
  beforeEach(async () => {
    nats = await startOwnNats();
    nc = await connect({ servers: nats.url });
  });
  afterEach(async () => {
    await nc.close();
    await nats.stop();
    rmSync(nats.storeDir, { recursive: true, force: true });
  });

  const consumerExists = async () =>
    (await nc.jetstreamManager()).consumers.info(BOOKINGS_STREAM, spec.consumerName).then(
      () => true,
      () => false,
    );

  describe('the BOOKINGS stream', () => {
    test('when the service starts, then the stream keeps the duplicate window booking-service gave it', async () => {
      await createBookingsStream(nc, 600);
      const t = spec.createApp({ NATS_URL: nats.url });
      try {
        expect(await until(consumerExists, 10_000, 100)).toBe(true);
        const info = await (await nc.jetstreamManager()).streams.info(BOOKINGS_STREAM);
        expect(info.config.duplicate_window).toBe(600 * 1e9);
      } finally {
        await t.close();
      }
    });

    test('when the stream does not exist yet, then the service does not create it and attaches once it appears', async () => {
      const t = spec.createApp({ NATS_URL: nats.url });
      try {
        await new Promise((r) => setTimeout(r, 1_500));
        const lookup = (await nc.jetstreamManager()).streams.info(BOOKINGS_STREAM);
        await expect(lookup).rejects.toThrow(/stream not found/i);
        await createBookingsStream(nc, 300);
        expect(await until(consumerExists, 10_000, 100)).toBe(true);
        const info = await (await nc.jetstreamManager()).streams.info(BOOKINGS_STREAM);
        expect(info.config.duplicate_window).toBe(300 * 1e9);
      } finally {
        await t.close();
      }
    });
  });
}
