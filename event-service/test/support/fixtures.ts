import { randomUUID } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';

export const ISO_MS_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const newEventBody = (overrides: Record<string, unknown> = {}) => ({
  name: `Concert ${randomUUID().slice(0, 8)}`,
  description: 'An evening of music',
  venue: 'Main Hall',
  startsAt: '2099-06-01T19:30:00.000Z',
  totalSeats: 10,
  ...overrides,
});

export async function seatsOf(pool: Pool, id: string): Promise<{ total: number; available: number }> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT total_seats AS total, available_seats AS available FROM events WHERE id = ?',
    [id],
  );
  return { total: Number(rows[0]?.total), available: Number(rows[0]?.available) };
}

/** Books seats the way booking-service does (row lock, decrement, insert), straight in SQL. */
export async function bookDirectly(pool: Pool, eventId: string, quantity: number): Promise<boolean> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const [rows] = await conn.query<RowDataPacket[]>('SELECT available_seats FROM events WHERE id = ? FOR UPDATE', [
      eventId,
    ]);
    if (Number(rows[0]?.available_seats) < quantity) {
      await conn.rollback();
      return false;
    }
    const userId = randomUUID();
    await conn.query('INSERT INTO users (id, name, email) VALUES (?, ?, ?)', [
      userId,
      'Booker',
      `${userId}@example.com`,
    ]);
    await conn.query('UPDATE events SET available_seats = available_seats - ? WHERE id = ?', [quantity, eventId]);
    await conn.query('INSERT INTO bookings (id, user_id, event_id, quantity) VALUES (?, ?, ?, ?)', [
      randomUUID(),
      userId,
      eventId,
      quantity,
    ]);
    await conn.commit();
    return true;
  } catch (err) {
    await conn.rollback();
    throw err;
  } finally {
    conn.release();
  }
}
