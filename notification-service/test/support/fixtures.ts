import { randomUUID } from 'node:crypto';
import { createBookingsStream } from '@ebs/service-kit/testing';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { connect, headers, type NatsConnection } from 'nats';
import { createNotificationsRepo } from '../../src/data/notifications.repo';

export async function insertUser(pool: Pool): Promise<string> {
  const id = randomUUID();
  await pool.query('INSERT INTO users (id, name, email) VALUES (?, ?, ?)', [id, 'Reader', `${id}@example.com`]);
  return id;
}

export async function insertEvent(pool: Pool, seats: number, name = 'Jazz Night'): Promise<string> {
  const id = randomUUID();
  await pool.query('INSERT INTO events (id, name, starts_at, total_seats, available_seats) VALUES (?, ?, ?, ?, ?)', [
    id,
    name,
    new Date('2099-06-01T19:30:00Z'),
    seats,
    seats,
  ]);
  return id;
}

export const confirmedPayload = (overrides: Record<string, unknown> = {}) => ({
  bookingId: randomUUID(),
  userId: randomUUID(),
  eventId: randomUUID(),
  quantity: 2,
  createdAt: new Date().toISOString(),
  ...overrides,
});

/** A NATS connection for the test itself, with the BOOKINGS stream in place. */
export async function publisher(url = process.env.NATS_URL): Promise<
  NatsConnection & {
    publishJs: (subject: string, data: unknown, msgID?: string, hdrs?: Record<string, string>) => Promise<void>;
  }
> {
  const nc = await connect({ servers: url });
  await createBookingsStream(nc);
  const js = nc.jetstream();
  return Object.assign(nc, {
    publishJs: async (subject: string, data: unknown, msgID?: string, hdrs?: Record<string, string>) => {
      const body = typeof data === 'string' ? data : JSON.stringify(data);
      const h = hdrs ? headers() : undefined;
      for (const [k, v] of Object.entries(hdrs ?? {})) h?.set(k, v);
      await js.publish(subject, new TextEncoder().encode(body), { ...(msgID ? { msgID } : {}), headers: h });
    },
  });
}

export const cancelledPayload = (overrides: Record<string, unknown> = {}) => ({
  ...confirmedPayload(),
  cancelledAt: new Date().toISOString(),
  ...overrides,
});

/** bookings.expired: a hold not confirmed by expiresAt. */
export const expiredPayload = (overrides: Record<string, unknown> = {}) => ({
  ...confirmedPayload(),
  expiresAt: '2099-05-31T18:00:00.000Z',
  ...overrides,
});

/** bookings.offered: seats held for a waitlist entry, to be confirmed by expiresAt. */
export const offeredPayload = (overrides: Record<string, unknown> = {}) => ({
  ...confirmedPayload(),
  expiresAt: '2099-05-31T18:15:00.000Z',
  waitlistEntryId: randomUUID(),
  ...overrides,
});

export async function parkedRows(pool: Pool, consumer: string): Promise<RowDataPacket[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT id, consumer, stream, stream_seq, subject, headers, CAST(payload AS CHAR) AS payload, reason, replayed_at
     FROM parked_messages WHERE consumer = ? ORDER BY id`,
    [consumer],
  );
  return rows;
}

export async function notificationRows(pool: Pool, bookingId: string): Promise<RowDataPacket[]> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT * FROM notifications WHERE booking_id = ?', [bookingId]);
  return rows;
}

export { until as waitFor } from '@ebs/test-support';

/** Stores one booking.confirmed notification for userId straight in MySQL; returns its bookingId. */
export async function seedNotification(pool: Pool, userId: string, bookingId = randomUUID()): Promise<string> {
  await createNotificationsRepo(pool).insertMany([
    {
      id: randomUUID(),
      type: 'booking.confirmed',
      bookingId,
      userId,
      eventId: randomUUID(),
      message: 'Your booking of 1 seat is confirmed.',
      createdAt: new Date(),
    },
  ]);
  return bookingId;
}
