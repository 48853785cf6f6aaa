import type { NatsConnection } from 'nats';
import request from 'supertest';
import { createPool } from '../src/lib/db';
import { CONSUMER_NAME } from '../src/messaging/booking-confirmed.consumer';
import { confirmedPayload, insertEvent, insertUser, notificationRows, publisher, waitFor } from './support/fixtures';
import { type ServiceProcess, startServiceProcess } from './support/service-process';
import { createTestApp, type TestApp, testConfig } from './support/test-app';
import { adminAuth } from './support/tokens';

let booking: ServiceProcess;
let pub: Awaited<ReturnType<typeof publisher>>;

beforeAll(async () => {
  pub = await publisher();
  // The real booking-service (its build), on this run's database and NATS.
  booking = await startServiceProcess({ LOG_LEVEL: 'warn' }, 'booking-service');
});
afterAll(async () => {
  booking.proc.kill('SIGTERM');
  await booking.exited;
  await pub.close();
});

async function bookThroughBookingService(pool: TestApp['pool'], count: number): Promise<string[]> {
  const eventId = await insertEvent(pool, 100);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const userId = await insertUser(pool);
    const res = await fetch(`${booking.url}/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminAuth() },
      body: JSON.stringify({ userId, eventId }),
    });
    expect(res.status).toBe(201);
    ids.push(((await res.json()) as { id: string }).id);
  }
  return ids;
}

async function consumerInfo(nc: NatsConnection) {
  return (await nc.jetstreamManager()).consumers.info('BOOKINGS', CONSUMER_NAME);
}

describe('bookings.confirmed consumer', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = createTestApp();
    await t.nats.firstConnect;
  });
  afterAll(async () => {
    await t.close();
  });

  test('when a booking is made through booking-service, then its notification is listed within 2 s', async () => {
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 5, 'Jazz Night');
    const res = await fetch(`${booking.url}/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminAuth() },
      body: JSON.stringify({ userId, eventId, quantity: 2 }),
    });
    expect(res.status).toBe(201);
    const { id: bookingId } = (await res.json()) as { id: string };

    let listed: request.Response | undefined;
    const within2s = await waitFor(async () => {
      listed = await request(t.app).get(`/notifications?bookingId=${bookingId}`).set(adminAuth());
      return listed.body.data?.length === 1;
    }, 2_000);
    expect(within2s).toBe(true);
    expect(listed?.body).toEqual({
      data: [
        {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          type: 'booking.confirmed',
          bookingId,
          userId,
          eventId,
          message: 'Your booking of 2 seats for "Jazz Night" on 2027-06-01T19:30:00.000Z is confirmed.',
          createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        },
      ],
      pagination: { limit: 20, offset: 0, total: 1 },
    });
  });

  test('when the same message is published twice, then one row is stored', async () => {
    const payload = confirmedPayload();
    await pub.publishJs('bookings.confirmed', payload, `${payload.bookingId}.a`);
    await pub.publishJs('bookings.confirmed', payload, `${payload.bookingId}.b`); // a second copy in the stream
    expect(await waitFor(async () => (await notificationRows(t.pool, payload.bookingId)).length > 0)).toBe(true);
    await waitFor(
      async () => (await consumerInfo(pub)).num_pending === 0 && (await consumerInfo(pub)).num_ack_pending === 0,
    );
    expect(await notificationRows(t.pool, payload.bookingId)).toHaveLength(1);
  });

  test('when a message is malformed, then it is dropped without a row and the valid one behind it is stored', async () => {
    const bad = confirmedPayload({ quantity: 'lots' });
    await pub.publishJs('bookings.confirmed', 'this is not json');
    await pub.publishJs('bookings.confirmed', bad);
    const good = confirmedPayload();
    await pub.publishJs('bookings.confirmed', good);

    expect(await waitFor(async () => (await notificationRows(t.pool, good.bookingId)).length === 1)).toBe(true);
    expect(await notificationRows(t.pool, bad.bookingId)).toHaveLength(0);
    // Dropped for good, not waiting for a redelivery (that would keep them ack-pending for the 10 s ack wait).
    expect(await waitFor(async () => (await consumerInfo(pub)).num_ack_pending === 0, 3_000)).toBe(true);
    const info = await consumerInfo(pub);
    expect(info.num_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
  });
});

describe('transient failures and downtime', () => {
  test('when storing fails once, then the message is nak-ed, redelivered and stored once', async () => {
    const payload = confirmedPayload();
    let attempts = 0;
    const t = createTestApp(
      {},
      {
        notifications: (repo) => ({
          ...repo,
          insert: async (n) => {
            if (n.bookingId === payload.bookingId && ++attempts === 1) {
              throw Object.assign(new Error('Connection lost: The server closed the connection.'), {
                code: 'PROTOCOL_CONNECTION_LOST',
              });
            }
            return repo.insert(n);
          },
        }),
      },
    );
    try {
      await t.nats.firstConnect;
      await pub.publishJs('bookings.confirmed', payload);
      expect(await waitFor(async () => (await notificationRows(t.pool, payload.bookingId)).length === 1, 10_000)).toBe(
        true,
      );
      expect(attempts).toBe(2);
      await new Promise((r) => setTimeout(r, 300));
      expect(await notificationRows(t.pool, payload.bookingId)).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  test('when notification-service is down while 20 bookings are made, then after it starts all 20 are stored once', async () => {
    // No consumer runs now (every test app above is closed): the service is down.
    const pool = createPool(testConfig().db);
    const ids = await bookThroughBookingService(pool, 20);
    await new Promise((r) => setTimeout(r, 500));
    for (const id of ids) expect(await notificationRows(pool, id)).toHaveLength(0);
    await pool.end();

    const t = createTestApp();
    try {
      const allStored = await waitFor(async () => {
        for (const id of ids) if ((await notificationRows(t.pool, id)).length === 0) return false;
        return true;
      }, 15_000);
      expect(allStored).toBe(true);
      for (const id of ids) expect(await notificationRows(t.pool, id)).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
