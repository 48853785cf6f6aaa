import { randomUUID } from 'node:crypto';
import { BOOKINGS_STREAM } from '@ebs/contracts';
import { until } from '@ebs/test-support';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { NatsConnection } from 'nats';

// Users and events are other services' rows: tests insert them straight into the shared schema.

export async function insertUser(pool: Pool): Promise<string> {
  const id = randomUUID();
  await pool.query('INSERT INTO users (id, name, email) VALUES (?, ?, ?)', [id, 'Booker', `${id}@example.com`]);
  return id;
}

/** An event of `seats` seats starting in 2099; `id` chooses its id (e.g. to order event ids), else a new one. */
export async function insertEvent(pool: Pool, seats: number, id: string = randomUUID()): Promise<string> {
  await pool.query('INSERT INTO events (id, name, starts_at, total_seats, available_seats) VALUES (?, ?, ?, ?, ?)', [
    id,
    `Event ${id.slice(0, 8)}`,
    new Date('2099-01-01T19:00:00Z'),
    seats,
    seats,
  ]);
  return id;
}

export async function availableSeats(pool: Pool, eventId: string): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT available_seats FROM events WHERE id = ?', [eventId]);
  return Number(rows[0]?.available_seats);
}

export async function bookingsOf(pool: Pool, eventId: string): Promise<Array<{ id: string; quantity: number }>> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT id, quantity FROM bookings WHERE event_id = ?', [eventId]);
  return rows.map((r) => ({ id: String(r.id), quantity: Number(r.quantity) }));
}

export async function outboxOf(pool: Pool, bookingIds: string[]) {
  if (bookingIds.length === 0) return [];
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT msg_id, subject, payload, published_at FROM outbox WHERE msg_id IN (?)',
    [bookingIds.map((id) => `${id}.confirmed`)],
  );
  return rows.map((r) => ({
    msgId: String(r.msg_id),
    subject: String(r.subject),
    payload: JSON.parse(String(r.payload)),
    publishedAt: r.published_at as Date | null,
  }));
}

export type StreamMessage = { seq: number; subject: string; msgId: string | undefined; data: Record<string, unknown> };

/** Every message now in the BOOKINGS stream, read one by one by sequence. */
export async function streamMessages(nc: NatsConnection): Promise<StreamMessage[]> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(BOOKINGS_STREAM);
  const out: StreamMessage[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(BOOKINGS_STREAM, { seq }).catch(() => undefined);
    if (!m) continue;
    out.push({ seq, subject: m.subject, msgId: m.header?.get('Nats-Msg-Id'), data: m.json() });
  }
  return out;
}

/** test-support's `until`, looking every 100 ms. */
export const waitFor = (check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> =>
  until(check, timeoutMs, 100);
