import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { attempt, type HttpResult, post } from './http';
import type { Stack } from './stack';

export async function createUser(stack: Stack): Promise<string> {
  const res = await post(`${stack.users.url}/users`, { name: 'E2E', email: `${randomUUID()}@example.com` });
  if (res.status !== 201) throw new Error(`user: ${res.status} ${res.text}`);
  return (res.body as { id: string }).id;
}

export async function createEvent(stack: Stack, totalSeats: number): Promise<string> {
  const res = await post(`${stack.events.url}/events`, {
    name: `Rush ${totalSeats}`,
    startsAt: '2027-06-01T19:30:00Z',
    totalSeats,
  });
  if (res.status !== 201) throw new Error(`event: ${res.status} ${res.text}`);
  return (res.body as { id: string }).id;
}

/** `count` bookings of one seat at once, alternating between the two replicas. */
export function rush(stack: Stack, eventId: string, userIds: string[], count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      attempt(
        post(`${stack.bookings[i % 2]?.url}/bookings`, { userId: userIds[i % userIds.length], eventId, quantity: 1 }),
      ),
    ),
  );
}

export const statusOf = (r: HttpResult | { error: string }) => ('status' in r ? r.status : r.error);

export const bookingIdOf = (r: HttpResult | { error: string }) =>
  'status' in r && r.status === 201 ? (r.body as { id: string }).id : undefined;

export async function seatsOf(stack: Stack, eventId: string) {
  const [rows] = await stack.pool.query<RowDataPacket[]>(
    'SELECT total_seats AS total, available_seats AS available FROM events WHERE id = ?',
    [eventId],
  );
  return { total: Number(rows[0]?.total), available: Number(rows[0]?.available) };
}

export async function bookingRows(stack: Stack, eventId: string) {
  const [rows] = await stack.pool.query<RowDataPacket[]>('SELECT id, quantity FROM bookings WHERE event_id = ?', [
    eventId,
  ]);
  return rows.map((r) => ({ id: String(r.id), quantity: Number(r.quantity) }));
}

/** booking id -> how many notification rows it has. */
export async function notificationCounts(stack: Stack, eventId: string): Promise<Map<string, number>> {
  const [rows] = await stack.pool.query<RowDataPacket[]>(
    `SELECT b.id, COUNT(n.id) AS n FROM bookings b LEFT JOIN notifications n ON n.booking_id = b.id
      WHERE b.event_id = ? GROUP BY b.id`,
    [eventId],
  );
  return new Map(rows.map((r) => [String(r.id), Number(r.n)]));
}

/** Waits until every booking of the event has its notification; returns the final counts. */
export async function waitAllNotified(stack: Stack, eventId: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let counts = await notificationCounts(stack, eventId);
  while (Date.now() < deadline && [...counts.values()].some((n) => n === 0)) {
    await new Promise((r) => setTimeout(r, 250));
    counts = await notificationCounts(stack, eventId);
  }
  return counts;
}
