import { randomUUID } from 'node:crypto';
import { createPool } from '@ebs/service-kit/db';
import { adminAuth, type ServiceProcess, startServiceProcess } from '@ebs/service-kit/testing';
import type { RowDataPacket } from 'mysql2/promise';
import type { NatsConnection } from 'nats';
import request from 'supertest';
import { CONSUMER_NAME } from '../src/messaging/bookings.consumer';
import {
  cancelledPayload,
  confirmedPayload,
  insertEvent,
  insertUser,
  notificationRows,
  parkedRows,
  publisher,
  waitFor,
} from './support/fixtures';
import { createTestApp, type TestApp, testConfig } from './support/test-app';

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
          message: 'Your booking of 2 seats for "Jazz Night" on 2099-06-01T19:30:00.000Z is confirmed.',
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

  test('when messages are malformed or of an unknown subject, then each is parked and acked, and the valid one behind is stored', async () => {
    const bad = confirmedPayload({ quantity: 'lots' });
    const requestId = `req-bad-${randomUUID()}`;
    const rebooked = confirmedPayload();
    await pub.publishJs('bookings.confirmed', 'this is not json', undefined, { 'X-Request-Id': requestId });
    await pub.publishJs('bookings.confirmed', bad);
    await pub.publishJs('bookings.rebooked', rebooked);
    const good = confirmedPayload();
    await pub.publishJs('bookings.confirmed', good);

    expect(await waitFor(async () => (await notificationRows(t.pool, good.bookingId)).length === 1)).toBe(true);
    expect(await notificationRows(t.pool, bad.bookingId)).toHaveLength(0);
    // Parked for good, not waiting for a redelivery (that would keep them ack-pending for the 10 s ack wait).
    expect(await waitFor(async () => (await consumerInfo(pub)).num_ack_pending === 0, 3_000)).toBe(true);
    const info = await consumerInfo(pub);
    expect(info.num_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);

    // This test's three messages, in the order they came (other suites park messages in the same table).
    const parked = (await parkedRows(t.pool, CONSUMER_NAME)).filter(
      (r) =>
        r.headers?.includes(requestId) || r.payload.includes(bad.bookingId) || r.payload.includes(rebooked.bookingId),
    );
    expect(parked).toEqual([
      expect.objectContaining({
        stream: 'BOOKINGS',
        subject: 'bookings.confirmed',
        payload: 'this is not json',
        reason: 'payload is not JSON',
        replayed_at: null,
      }),
      expect.objectContaining({ subject: 'bookings.confirmed', reason: expect.stringContaining('quantity') }),
      expect.objectContaining({ subject: 'bookings.rebooked', reason: 'unknown subject bookings.rebooked' }),
    ]);
    expect(JSON.parse(parked[0]?.headers)).toMatchObject({ 'X-Request-Id': [requestId] });
    expect(Number(parked[1]?.stream_seq)).toBe(Number(parked[0]?.stream_seq) + 1);
    expect(JSON.parse(parked[1]?.payload)).toEqual(bad);
  });

  test('when a booking is made for user 11111111-1111-1111-1111-111111111111, then its notification is stored', async () => {
    // The reproduced loss: booking-service accepted this id, the consumer's z.uuid() refused it and dropped it.
    const userId = '11111111-1111-1111-1111-111111111111';
    await t.pool.query('INSERT INTO users (id, name, email) VALUES (?, ?, ?)', [userId, 'Ones', 'ones@example.com']);
    const eventId = await insertEvent(t.pool, 5, 'All Ones');
    const res = await fetch(`${booking.url}/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminAuth() },
      body: JSON.stringify({ userId, eventId }),
    });
    expect(res.status).toBe(201);
    const { id: bookingId } = (await res.json()) as { id: string };
    expect(await waitFor(async () => (await notificationRows(t.pool, bookingId)).length === 1, 5_000)).toBe(true);
    const listed = await request(t.app).get(`/notifications?userId=${userId}`).set(adminAuth());
    expect(listed.body.data).toEqual([expect.objectContaining({ bookingId, userId, type: 'booking.confirmed' })]);
  });

  test('when bookings.cancelled arrives (twice), then one booking.cancelled notification is listed beside the confirmed one', async () => {
    const eventId = await insertEvent(t.pool, 5, 'Opera');
    const confirmed = confirmedPayload({ eventId, quantity: 3 });
    const cancelled = { ...confirmed, cancelledAt: new Date().toISOString() };
    await pub.publishJs('bookings.confirmed', confirmed, `${confirmed.bookingId}.confirmed`);
    await pub.publishJs('bookings.cancelled', cancelled, `${confirmed.bookingId}.cancelled`);
    await pub.publishJs('bookings.cancelled', cancelled, `${confirmed.bookingId}.cancelled-again`);
    expect(await waitFor(async () => (await notificationRows(t.pool, confirmed.bookingId)).length === 2)).toBe(true);
    await waitFor(async () => (await consumerInfo(pub)).num_pending + (await consumerInfo(pub)).num_ack_pending === 0);

    const listed = await request(t.app).get(`/notifications?bookingId=${confirmed.bookingId}`).set(adminAuth());
    expect(listed.body.pagination.total).toBe(2);
    expect(listed.body.data).toEqual(
      expect.arrayContaining([
        {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          type: 'booking.cancelled',
          bookingId: confirmed.bookingId,
          userId: confirmed.userId,
          eventId,
          message: 'Your booking of 3 seats for "Opera" on 2099-06-01T19:30:00.000Z is cancelled.',
          createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        },
        expect.objectContaining({ type: 'booking.confirmed', bookingId: confirmed.bookingId }),
      ]),
    );
  });

  test('when a cancellation lacks cancelledAt, then it is parked, not stored', async () => {
    const payload = cancelledPayload({ cancelledAt: undefined });
    await pub.publishJs('bookings.cancelled', payload);
    expect(
      await waitFor(async () =>
        (await parkedRows(t.pool, CONSUMER_NAME)).some((r) => r.payload.includes(payload.bookingId)),
      ),
    ).toBe(true);
    expect(await notificationRows(t.pool, payload.bookingId)).toHaveLength(0);
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
          insertMany: async (rows) => {
            if (rows.some((n) => n.bookingId === payload.bookingId) && ++attempts === 1) {
              throw Object.assign(new Error('Connection lost: The server closed the connection.'), {
                code: 'PROTOCOL_CONNECTION_LOST',
              });
            }
            return repo.insertMany(rows);
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

  test('when 200 messages wait in the stream, then they are stored with a few multi-row inserts, each once', async () => {
    const payloads = Array.from({ length: 200 }, () => confirmedPayload());
    await Promise.all(payloads.map((p) => pub.publishJs('bookings.confirmed', p, `${p.bookingId}.confirmed`)));
    const inserts: number[] = [];
    const t = createTestApp(
      {},
      {
        notifications: (repo) => ({
          ...repo,
          insertMany: async (rows) => {
            inserts.push(rows.length);
            return repo.insertMany(rows);
          },
        }),
      },
    );
    try {
      expect(
        await waitFor(async () => {
          const [rows] = await t.pool.query<RowDataPacket[]>(
            'SELECT COUNT(*) AS n FROM notifications WHERE booking_id IN (?)',
            [payloads.map((p) => p.bookingId)],
          );
          return Number(rows[0]?.n) === 200;
        }),
      ).toBe(true);
      expect(inserts.reduce((a, b) => a + b, 0)).toBe(200);
      expect(inserts.length).toBeLessThanOrEqual(10);
    } finally {
      await t.close();
    }
  });

  test('when one message of a batch keeps failing (not a dependency), then it is parked after 5 deliveries and the others are stored', async () => {
    const poison = confirmedPayload();
    const good = [confirmedPayload(), confirmedPayload(), confirmedPayload()];
    let poisonAttempts = 0;
    const t = createTestApp(
      {},
      {
        retryBaseMs: 50,
        notifications: (repo) => ({
          ...repo,
          insertMany: async (rows) => {
            if (rows.some((n) => n.bookingId === poison.bookingId)) {
              poisonAttempts++;
              throw Object.assign(new Error("Data too long for column 'message'"), { code: 'ER_DATA_TOO_LONG' });
            }
            return repo.insertMany(rows);
          },
        }),
      },
    );
    try {
      await t.nats.firstConnect;
      for (const p of [good[0], poison, good[1], good[2]]) await pub.publishJs('bookings.confirmed', p);
      for (const p of good) {
        expect(await waitFor(async () => (await notificationRows(t.pool, p.bookingId)).length === 1)).toBe(true);
      }
      const parked = async () =>
        (await parkedRows(t.pool, CONSUMER_NAME)).find((r) => r.payload.includes(poison.bookingId));
      expect(await waitFor(async () => (await parked()) !== undefined)).toBe(true);
      expect((await parked())?.reason).toBe("failed 5 times: Data too long for column 'message'");
      expect(await waitFor(async () => (await consumerInfo(pub)).num_ack_pending === 0, 3_000)).toBe(true);
      const attemptsWhenParked = poisonAttempts;
      await new Promise((r) => setTimeout(r, 500));
      expect(poisonAttempts).toBe(attemptsWhenParked); // no redelivery loop
      expect(await notificationRows(t.pool, poison.bookingId)).toHaveLength(0);
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
