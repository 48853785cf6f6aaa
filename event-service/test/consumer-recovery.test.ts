import { randomUUID } from 'node:crypto';
import { adminAuth, createBookingsStream, ownNats } from '@ebs/service-kit/testing';
import { until } from '@ebs/test-support';
import { connect, type NatsConnection } from 'nats';
import request from 'supertest';
import { bookDirectly, newEventBody } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

// The cache-refresh consumer outlives its stream (the kit's durable consumer, as in notification-service's
// consumer-recovery test): when booking-service deletes and makes the BOOKINGS stream again, it makes its consumer
// again without a restart, and /ready reports it in its `nats` check while it cannot consume for longer than
// CONSUMER_STALL_SECONDS. On a nats-server of its own, so deleting the stream disturbs no other suite.
describe('the cache-refresh consumer after its stream vanished', () => {
  let nc: NatsConnection | undefined;
  let t: TestApp | undefined;
  // Declared first, so it runs before ownNats stops the server (after-hooks run in the order they are declared).
  afterEach(async () => {
    await t?.close();
    await nc?.close();
  });
  const nats = ownNats('test');

  test('when the stream is deleted and re-created, then /ready reports nats down past the bound (still 200), up once it consumes again, and a booking message refreshes its event', async () => {
    nc = await connect({ servers: nats.url });
    await createBookingsStream(nc);
    const app = createTestApp({ NATS_URL: nats.url, CONSUMER_STALL_SECONDS: '1' }, { withConsumer: true });
    t = app;
    const ready = async () => {
      const res = await request(app.app).get('/ready');
      return { status: res.status, checks: res.body.checks as Record<string, string> };
    };
    /** Seats taken in MySQL, then the message booking-service's relay publishes: the event's entry is refreshed. */
    const bookAndPublish = async () => {
      const { id } = (await request(app.app).post('/events').set(adminAuth()).send(newEventBody()).expect(201)).body;
      expect(await bookDirectly(app.pool, id, 2)).toBe(true);
      expect(await app.redis.exists(`event:${id}`)).toBe(0);
      const bookingId = randomUUID();
      const payload = {
        bookingId,
        userId: randomUUID(),
        eventId: id,
        quantity: 2,
        createdAt: new Date().toISOString(),
      };
      await nc?.jetstream().publish('bookings.confirmed', JSON.stringify(payload), { msgID: `${bookingId}.confirmed` });
      return until(async () => (await app.redis.exists(`event:${id}`)) === 1);
    };

    expect(await bookAndPublish()).toBe(true);
    expect(await ready()).toEqual({ status: 200, checks: { mysql: 'up', redis: 'up', nats: 'up' } });

    const jsm = await nc.jetstreamManager();
    const deletedAt = Date.now();
    await jsm.streams.delete('BOOKINGS');
    expect(await until(async () => (await ready()).checks.nats === 'down')).toBe(true);
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(1_000);
    expect(await ready()).toEqual({ status: 200, checks: { mysql: 'up', redis: 'up', nats: 'down' } });

    await createBookingsStream(nc); // booking-service makes it again
    expect(await until(async () => (await ready()).checks.nats === 'up')).toBe(true);
    expect(await bookAndPublish()).toBe(true);
  });
});
