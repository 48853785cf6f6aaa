import { randomUUID } from 'node:crypto';
import { adminAuth, createBookingsStream, type ServiceProcess, startServiceProcess } from '@ebs/service-kit/testing';
import { startOwnRedis, until } from '@ebs/test-support';
import type { RowDataPacket } from 'mysql2/promise';
import { connect, type NatsConnection } from 'nats';
import request from 'supertest';
import { createEventsRepo } from '../src/data/events.repo';
import { CONSUMER_NAME } from '../src/messaging/cache-refresh.consumer';
import { bookDirectly, newEventBody } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

let t: TestApp;
let nc: NatsConnection;
beforeAll(async () => {
  // booking-service creates the stream; this service only looks it up.
  nc = await connect({ servers: process.env.NATS_URL });
  await createBookingsStream(nc);
  t = createTestApp(); // no consumer: tests that need one start their own
});
afterAll(async () => {
  await nc.close();
  await t.close();
});

const createEvent = async (totalSeats: number) =>
  (await request(t.app).post('/events').set(adminAuth()).send(newEventBody({ totalSeats })).expect(201)).body as {
    id: string;
  };

/** What booking-service's relay publishes after a booking, a cancel, an expired hold or an offer commits. */
async function publish(subject: string, eventId: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const bookingId = randomUUID();
  const payload = { bookingId, userId: randomUUID(), eventId, quantity: 1, createdAt: new Date().toISOString() };
  await nc.jetstream().publish(subject, new TextEncoder().encode(JSON.stringify({ ...payload, ...extra })), {
    msgID: `${bookingId}.${subject.split('.')[1]}`,
  });
  return bookingId;
}

const consumerInfo = async () => (await nc.jetstreamManager()).consumers.info('BOOKINGS', CONSUMER_NAME);

const allAcked = () =>
  until(async () => {
    const info = await consumerInfo();
    return info.num_pending === 0 && info.num_ack_pending === 0;
  });

describe('read your writes, with no consumer and NATS down', () => {
  let booking: ServiceProcess;
  beforeAll(async () => {
    // The real booking-service, unable to reach NATS: its messages wait in the outbox.
    booking = await startServiceProcess({ LOG_LEVEL: 'warn', NATS_URL: 'nats://127.0.0.1:1' }, 'booking-service');
  });
  afterAll(async () => {
    booking.proc.kill('SIGTERM');
    await booking.exited;
  });

  test('when a booking answered 201 through booking-service, then the next GET shows its availableSeats', async () => {
    const event = await createEvent(5);
    await request(t.app).get(`/events/${event.id}`).expect(200);
    expect((await request(t.app).get(`/events/${event.id}`)).body).toMatchObject({ cached: true, availableSeats: 5 });

    const userId = randomUUID();
    await t.pool.query('INSERT INTO users (id, name, email) VALUES (?, ?, ?)', [userId, 'U', `${userId}@example.com`]);
    const res = await fetch(`${booking.url}/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminAuth() },
      body: JSON.stringify({ userId, eventId: event.id, quantity: 2 }),
    });
    expect(res.status).toBe(201);

    const after = await request(t.app).get(`/events/${event.id}`);
    expect(after.body).toMatchObject({ availableSeats: 3, totalSeats: 5, cached: true });
    const [rows] = await t.pool.query<RowDataPacket[]>('SELECT updated_at FROM events WHERE id = ?', [event.id]);
    expect(after.body.updatedAt).toBe(new Date(rows[0]?.updated_at).toISOString());
  });

  test('when seats are taken and given back straight in MySQL, then every following GET shows the current count', async () => {
    const event = await createEvent(4);
    await request(t.app).get(`/events/${event.id}`).expect(200);
    expect(await bookDirectly(t.pool, event.id, 3)).toBe(true);
    expect((await request(t.app).get(`/events/${event.id}`)).body).toMatchObject({ availableSeats: 1, cached: true });
    await t.pool.query('UPDATE events SET available_seats = available_seats + 2 WHERE id = ?', [event.id]);
    expect((await request(t.app).get(`/events/${event.id}`)).body).toMatchObject({ availableSeats: 3, cached: true });
  });
});

describe('cache-refresh consumer on bookings.>', () => {
  test('when bookings.cancelled arrives, then the event is refreshed: the next GET is a HIT with current seats', async () => {
    const event = await createEvent(6);
    expect(await bookDirectly(t.pool, event.id, 2)).toBe(true);
    const c = createTestApp({}, { withConsumer: true });
    try {
      await publish('bookings.cancelled', event.id, { cancelledAt: new Date().toISOString() });
      expect(await until(async () => (await t.redis.exists(`event:${event.id}`)) === 1)).toBe(true);
      expect((await request(t.app).get(`/events/${event.id}`)).body).toMatchObject({ cached: true, availableSeats: 4 });
      expect(await allAcked()).toBe(true);
    } finally {
      await c.close();
    }
  });

  test('when bookings.expired and bookings.offered arrive, then each names its event by eventId and that event is refreshed, none parked', async () => {
    // An expired hold gave its seats back; an offer held the seats that came back for a waitlist entry.
    const lapsed = await createEvent(6);
    expect(await bookDirectly(t.pool, lapsed.id, 2)).toBe(true);
    await t.pool.query('UPDATE events SET available_seats = available_seats + 2 WHERE id = ?', [lapsed.id]);
    const offeredTo = await createEvent(3);
    expect(await bookDirectly(t.pool, offeredTo.id, 3)).toBe(true);
    const c = createTestApp({}, { withConsumer: true });
    try {
      const expiresAt = new Date(Date.now() + 900_000).toISOString();
      const expired = await publish('bookings.expired', lapsed.id, { expiresAt });
      const offered = await publish('bookings.offered', offeredTo.id, { expiresAt, waitlistEntryId: randomUUID() });
      for (const id of [lapsed.id, offeredTo.id]) {
        expect(await until(async () => (await t.redis.exists(`event:${id}`)) === 1)).toBe(true);
      }
      expect(await allAcked()).toBe(true);
      expect((await consumerInfo()).num_redelivered).toBe(0);
      const [parked] = await t.pool.query<RowDataPacket[]>(
        'SELECT CAST(payload AS CHAR) AS payload FROM parked_messages WHERE consumer = ?',
        [CONSUMER_NAME],
      );
      expect(parked.filter((r) => r.payload.includes(expired) || r.payload.includes(offered))).toEqual([]);
      expect((await request(t.app).get(`/events/${lapsed.id}`)).body).toMatchObject({
        cached: true,
        availableSeats: 6,
      });
      expect((await request(t.app).get(`/events/${offeredTo.id}`)).body).toMatchObject({
        cached: true,
        availableSeats: 0,
      });
    } finally {
      await c.close();
    }
  });

  test('when 100 messages of one event arrive together, then the event is refreshed a few times, not 100', async () => {
    const event = await createEvent(10);
    for (let i = 0; i < 100; i++) await publish('bookings.confirmed', event.id);
    let reads = 0;
    const c = createTestApp(
      {},
      {
        withConsumer: true,
        events: (pool) => {
          const repo = createEventsRepo(pool);
          const findById = repo.findById;
          repo.findById = async (id) => {
            if (id === event.id) reads++;
            return findById(id);
          };
          return repo;
        },
      },
    );
    try {
      expect(await allAcked()).toBe(true);
      expect(reads).toBeGreaterThanOrEqual(1);
      expect(reads).toBeLessThanOrEqual(10);
    } finally {
      await c.close();
    }
  });

  test('when a message is not JSON or has no valid eventId, then it is parked and acked, and the next one is refreshed', async () => {
    const event = await createEvent(4);
    const c = createTestApp({}, { withConsumer: true });
    try {
      const notJson = `{"eventId": 12, "tag": "${randomUUID()}"`;
      await nc.jetstream().publish('bookings.confirmed', new TextEncoder().encode(notJson));
      const noValidEventId = await publish('bookings.confirmed', 'not-a-uuid');
      await publish('bookings.confirmed', event.id);
      expect(await until(async () => (await t.redis.exists(`event:${event.id}`)) === 1)).toBe(true);
      expect(await allAcked()).toBe(true);
      const [parked] = await t.pool.query<RowDataPacket[]>(
        'SELECT subject, reason, CAST(payload AS CHAR) AS payload FROM parked_messages WHERE consumer = ? ORDER BY id',
        [CONSUMER_NAME],
      );
      // This test's two messages, in the order they came (other suites park messages in the same table).
      const ours = parked.filter((r) => r.payload === notJson || r.payload.includes(noValidEventId));
      expect(ours).toEqual([
        { subject: 'bookings.confirmed', reason: 'payload is not JSON', payload: notJson },
        expect.objectContaining({ subject: 'bookings.confirmed', reason: expect.stringContaining('eventId') }),
      ]);
      expect((await consumerInfo()).num_redelivered).toBe(0);
    } finally {
      await c.close();
    }
  });

  test('when Redis cannot take the refresh, then the message is nak-ed and the entry refreshed once Redis is back', async () => {
    const redis = await startOwnRedis();
    const c = createTestApp({ REDIS_URL: redis.url }, { withConsumer: true });
    try {
      const event = await createEvent(3);
      await redis.stop();
      await publish('bookings.confirmed', event.id);
      // Not acked while Redis is down: redelivered instead.
      expect(await until(async () => (await consumerInfo()).num_redelivered > 0)).toBe(true);
      expect((await consumerInfo()).num_ack_pending).toBe(1);

      await redis.start();
      const stored = () => c.redis.exists(`event:${event.id}`).catch(() => 0); // fails until it has reconnected
      expect(await until(async () => (await stored()) === 1, 15_000)).toBe(true);
      expect(await allAcked()).toBe(true);
    } finally {
      await c.close();
      await redis.stop();
    }
  });
});
