import { randomUUID } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';

// The raw baselines write outbox rows of the same size as booking-service's, but already marked published:
// the service's relay (running in the same stack) must not publish them, or the baseline would be measured
// while the relay, NATS and the consumers spend CPU on its rows.

/**
 * The booking transaction with nothing around it: the same statements booking-service runs (user check,
 * FOR UPDATE, decrement, booking and outbox inserts), straight through mysql2. This is the design's limit.
 */
export async function rawBook(pool: Pool, userId: string, eventId: string): Promise<'booked' | 'sold_out'> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    await conn.execute('SELECT 1 FROM users WHERE id = ?', [userId]);
    const [rows] = await conn.execute<RowDataPacket[]>('SELECT available_seats FROM events WHERE id = ? FOR UPDATE', [
      eventId,
    ]);
    if (Number(rows[0]?.available_seats) < 1) {
      await conn.rollback();
      return 'sold_out';
    }
    const id = randomUUID();
    const now = new Date();
    await conn.execute('UPDATE events SET available_seats = available_seats - 1, updated_at = ? WHERE id = ?', [
      now,
      eventId,
    ]);
    await conn.execute(
      'INSERT INTO bookings (id, user_id, event_id, quantity, status, created_at) VALUES (?, ?, ?, 1, ?, ?)',
      [id, userId, eventId, 'confirmed', now],
    );
    await conn.execute(
      'INSERT INTO outbox (msg_id, subject, payload, created_at, next_attempt_at, published_at) VALUES (?, ?, ?, ?, ?, ?)',
      [`${id}.raw`, 'bookings.raw', payload(id, userId, eventId, now), now, now, now],
    );
    await conn.commit();
    return 'booked';
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}

/**
 * The grouped transaction with nothing around it: lock the event row once, take `size` seats in one UPDATE,
 * insert `size` bookings and `size` outbox rows with multi-row INSERTs, commit. The ceiling of group commit.
 */
export async function rawBookGroup(
  pool: Pool,
  userIds: string[],
  eventId: string,
  size: number,
): Promise<{ booked: number; soldOut: boolean }> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    await conn.query('SELECT id FROM users WHERE id IN (?)', [userIds]);
    const [rows] = await conn.execute<RowDataPacket[]>('SELECT available_seats FROM events WHERE id = ? FOR UPDATE', [
      eventId,
    ]);
    const n = Math.min(size, Number(rows[0]?.available_seats));
    if (n < 1) {
      await conn.rollback();
      return { booked: 0, soldOut: true };
    }
    const now = new Date();
    const ids = Array.from({ length: n }, () => randomUUID());
    await conn.execute('UPDATE events SET available_seats = available_seats - ?, updated_at = ? WHERE id = ?', [
      n,
      now,
      eventId,
    ]);
    await conn.query('INSERT INTO bookings (id, user_id, event_id, quantity, status, created_at) VALUES ?', [
      ids.map((id, i) => [id, userIds[i % userIds.length], eventId, 1, 'confirmed', now]),
    ]);
    await conn.query(
      'INSERT INTO outbox (msg_id, subject, payload, created_at, next_attempt_at, published_at) VALUES ?',
      [
        ids.map((id, i) => [
          `${id}.raw`,
          'bookings.raw',
          payload(id, userIds[i % userIds.length], eventId, now),
          now,
          now,
          now,
        ]),
      ],
    );
    await conn.commit();
    return { booked: n, soldOut: n < size };
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}

/** A payload the size of a bookings.confirmed message. */
const payload = (bookingId: string, userId: string | undefined, eventId: string, at: Date) =>
  JSON.stringify({ bookingId, userId, eventId, quantity: 1, createdAt: at.toISOString() });
