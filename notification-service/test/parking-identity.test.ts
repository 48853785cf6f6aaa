import { randomUUID } from 'node:crypto';
import { createPool } from '@ebs/service-kit/db';
import { createBookingsStream, ownNats } from '@ebs/service-kit/testing';
import type { Pool } from 'mysql2/promise';
import { CONSUMER_NAME } from '../src/messaging/bookings.consumer';
import { parkedRows, publisher, waitFor } from './support/fixtures';
import { createTestApp, testConfig } from './support/test-app';

// A parked message is one message, whatever its sequence number says: a re-created stream numbers its
// messages from 1 again (and every jest worker's nats-server numbers its own alike, over the one database).
// On a nats-server of its own, so deleting the stream disturbs no other suite; parked rows go to the shared
// database, told apart by this test's markers.
describe('parking a poison message', () => {
  const nats = ownNats('test');
  let db: Pool;
  beforeAll(() => {
    db = createPool(testConfig().db);
  });
  afterAll(async () => {
    await db.end();
  });

  test('when the stream is deleted and re-created, then a poison message at a sequence used before is parked too, and a redelivery is parked once', async () => {
    const pub = await publisher(nats.url);
    const first = `not json: ${randomUUID()}`;
    const second = `not json: ${randomUUID()}`;
    const mine = async () =>
      (await parkedRows(db, CONSUMER_NAME)).filter((r) => r.payload === first || r.payload === second);
    const consumerIdle = () =>
      waitFor(async () => {
        const info = await (await pub.jetstreamManager()).consumers.info('BOOKINGS', CONSUMER_NAME).catch(() => null);
        return info !== null && info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq > 0;
      });

    // The first one is parked, but the answer is lost (as when the connection drops after the commit): it is
    // redelivered and parked again, which must change nothing.
    let parkings = 0;
    let t = createTestApp(
      { NATS_URL: nats.url },
      {
        retryBaseMs: 50,
        parked: (repo) => ({
          ...repo,
          park: async (m) => {
            await repo.park(m);
            if (Buffer.from(m.payload).toString() === first && ++parkings === 1) {
              throw Object.assign(new Error('Connection lost: The server closed the connection.'), {
                code: 'PROTOCOL_CONNECTION_LOST',
              });
            }
          },
        }),
      },
    );
    try {
      const a = await pub.jetstream().publish('bookings.confirmed', first);
      expect(await waitFor(async () => parkings === 2)).toBe(true);
      expect(await consumerIdle()).toBe(true);
      expect((await mine()).map((r) => [r.payload, Number(r.stream_seq)])).toEqual([[first, a.seq]]);
    } finally {
      await t.close();
    }
    // The stream is deleted and made again (its consumer goes with it); the service starts again.
    const jsm = await pub.jetstreamManager();
    await jsm.streams.delete('BOOKINGS');
    await createBookingsStream(pub);
    t = createTestApp({ NATS_URL: nats.url });
    try {
      const b = await pub.jetstream().publish('bookings.confirmed', second);
      expect(await consumerIdle()).toBe(true);
      const rows = await mine();
      // The same sequence number, two messages: both parked, each once.
      expect(rows.map((r) => [r.payload, Number(r.stream_seq)])).toEqual([
        [first, b.seq],
        [second, b.seq],
      ]);
      expect(rows.every((r) => r.reason === 'payload is not JSON' && r.replayed_at === null)).toBe(true);
    } finally {
      await t.close();
      await pub.close();
    }
  });
});
