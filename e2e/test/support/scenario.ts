import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { attempt, type HttpResult, post } from './http';
import type { Stack } from './stack';

/** A signed-up customer and the Authorization header of their token (from a real login). */
export type Customer = { id: string; auth: Record<string, string> };

export async function createUser(stack: Stack): Promise<Customer> {
  const email = `${randomUUID()}@example.com`;
  const password = 'e2e customer password';
  const res = await post(`${stack.users.url}/users`, { name: 'E2E', email, password });
  if (res.status !== 201) throw new Error(`user: ${res.status} ${res.text}`);
  const login = await post(`${stack.users.url}/auth/token`, { email, password });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${login.text}`);
  const token = (login.body as { accessToken: string }).accessToken;
  return { id: (res.body as { id: string }).id, auth: { Authorization: `Bearer ${token}` } };
}

export async function createEvent(stack: Stack, totalSeats: number): Promise<string> {
  const res = await post(
    `${stack.events.url}/events`,
    { name: `Rush ${totalSeats}`, startsAt: '2099-06-01T19:30:00Z', totalSeats },
    stack.adminAuth,
  );
  if (res.status !== 201) throw new Error(`event: ${res.status} ${res.text}`);
  return (res.body as { id: string }).id;
}

/** One seat booked by a customer with their own token, on the given booking replica. */
export const bookAs = (replicaUrl: string, customer: Customer, eventId: string) =>
  attempt(post(`${replicaUrl}/bookings`, { eventId, quantity: 1 }, customer.auth));

/** `count` bookings of one seat at once, alternating between the two replicas, each with its customer's token. */
export function rush(stack: Stack, eventId: string, customers: Customer[], count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      bookAs(stack.bookings[i % 2]?.url ?? '', customers[i % customers.length] as Customer, eventId),
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
