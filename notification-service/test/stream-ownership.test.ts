import { BOOKINGS_STREAM } from '@ebs/contracts';
import { createBookingsStream } from '@ebs/service-kit/testing';
import { connect, type NatsConnection } from 'nats';
import { CONSUMER_NAME } from '../src/messaging/bookings.consumer';
import { type OwnServer, startOwnNats } from './support/infra';
import { createTestApp } from './support/test-app';

// booking-service alone owns the BOOKINGS stream's configuration (docs/messaging.md). Each test gets a
// nats-server of its own, so whether the stream exists, and how, is the test's doing alone.
let nats: OwnServer & { storeDir: string };
let nc: NatsConnection;
beforeEach(async () => {
  nats = await startOwnNats();
  nc = await connect({ servers: nats.url });
});
afterEach(async () => {
  await nc.close();
  await nats.stop();
});

const consumerExists = async () =>
  (await nc.jetstreamManager()).consumers.info(BOOKINGS_STREAM, CONSUMER_NAME).then(
    () => true,
    () => false,
  );

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('the BOOKINGS stream', () => {
  test('when the service starts, then the stream keeps the duplicate window booking-service gave it', async () => {
    await createBookingsStream(nc, 600);
    const t = createTestApp({ NATS_URL: nats.url });
    try {
      expect(await until(consumerExists, 10_000)).toBe(true);
      const info = await (await nc.jetstreamManager()).streams.info(BOOKINGS_STREAM);
      expect(info.config.duplicate_window).toBe(600 * 1e9);
    } finally {
      await t.close();
    }
  });

  test('when the stream does not exist yet, then the service does not create it and attaches once it appears', async () => {
    const t = createTestApp({ NATS_URL: nats.url });
    try {
      await new Promise((r) => setTimeout(r, 1_500));
      const lookup = (await nc.jetstreamManager()).streams.info(BOOKINGS_STREAM);
      await expect(lookup).rejects.toThrow(/stream not found/i);
      await createBookingsStream(nc, 300);
      expect(await until(consumerExists, 10_000)).toBe(true);
      const info = await (await nc.jetstreamManager()).streams.info(BOOKINGS_STREAM);
      expect(info.config.duplicate_window).toBe(300 * 1e9);
    } finally {
      await t.close();
    }
  });
});
