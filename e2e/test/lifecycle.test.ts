import type { RowDataPacket } from 'mysql2/promise';
import { call, get, post } from './support/http';
import { type Customer, createEvent, createUser, notificationCounts, seatsOf } from './support/scenario';
import { type Stack, startStack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const bookingsUrl = (i: number) => `${stack.bookings[i % 2]?.url}/bookings`;

async function book(customer: Customer, eventId: string, quantity: number): Promise<{ id: string }> {
  const res = await post(bookingsUrl(0), { eventId, quantity }, customer.auth);
  if (res.status !== 201) throw new Error(`booking: ${res.status} ${res.text}`);
  return res.body as { id: string };
}

async function waitNotified(eventId: string, bookingId: string): Promise<number> {
  const deadline = Date.now() + 20_000;
  let n = 0;
  while (Date.now() < deadline) {
    n = (await notificationCounts(stack, eventId)).get(bookingId) ?? 0;
    if (n > 0) return n;
    await new Promise((r) => setTimeout(r, 200));
  }
  return n;
}

describe('booking lifecycle across the services', () => {
  test('when a booking is cancelled, then capacity edits count only the seats still booked', async () => {
    const eventId = await createEvent(stack, 5);
    const customer = await createUser(stack);
    const big = await book(customer, eventId, 3);
    await book(customer, eventId, 1);
    const patch = (totalSeats: number) =>
      call('PATCH', `${stack.events.url}/events/${eventId}`, { json: { totalSeats }, headers: stack.adminAuth });

    const tooSmall = await patch(3);
    expect(tooSmall.status).toBe(409); // 4 seats booked

    const cancelled = await post(`${bookingsUrl(1)}/${big.id}/cancel`, undefined, customer.auth);
    expect(cancelled.status).toBe(200);
    expect(await seatsOf(stack, eventId)).toEqual({ total: 5, available: 4 });

    const shrink = await patch(1);
    expect(shrink.status).toBe(200);
    expect(shrink.body).toMatchObject({ totalSeats: 1, availableSeats: 0 });
    const more = await post(bookingsUrl(0), { eventId }, customer.auth);
    expect([more.status, (more.body as { error?: { code: string } }).error?.code]).toEqual([409, 'SOLD_OUT']);
    const again = await post(`${bookingsUrl(0)}/${big.id}/cancel`, undefined, stack.adminAuth);
    expect(again).toMatchObject({ status: 200, body: cancelled.body });
    expect(await seatsOf(stack, eventId)).toEqual({ total: 1, available: 0 });
  });

  test('when a keyed booking is retried on the other replica, then one booking, one seat and one notification', async () => {
    const eventId = await createEvent(stack, 10);
    const customer = await createUser(stack);
    const send = (i: number) =>
      call('POST', bookingsUrl(i), {
        json: { eventId, quantity: 1 },
        headers: { 'Idempotency-Key': 'e2e-retry-1', ...customer.auth },
      });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => send(i)));
    const ids = new Set(results.filter((r) => r.status === 201).map((r) => (r.body as { id: string }).id));
    expect(ids.size).toBe(1);
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const retry = await send(1);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const [id] = [...ids];
    expect((retry.body as { id: string }).id).toBe(id);
    expect(await seatsOf(stack, eventId)).toEqual({ total: 10, available: 9 });
    expect(await waitNotified(eventId, String(id))).toBe(1);
    const list = await get(`${bookingsUrl(0)}?eventId=${eventId}&status=confirmed`, customer.auth);
    expect((list.body as { pagination: { total: number } }).pagination.total).toBe(1);
  });

  test('when 50 cancels of one booking race over both replicas, then the seats come back once and one cancellation is notified', async () => {
    const eventId = await createEvent(stack, 5);
    const customer = await createUser(stack);
    const booking = await book(customer, eventId, 2);
    expect(await waitNotified(eventId, booking.id)).toBe(1);

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(`${bookingsUrl(i)}/${booking.id}/cancel`, undefined, customer.auth)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(results[0]?.body).toMatchObject({ id: booking.id, status: 'cancelled' });
    expect(await seatsOf(stack, eventId)).toEqual({ total: 5, available: 5 });

    const [outbox] = await stack.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM outbox WHERE subject = 'bookings.cancelled' AND msg_id = ?",
      [`${booking.id}.cancelled`],
    );
    expect(Number(outbox[0]?.n)).toBe(1);
    const cancelledNotifications = async () => {
      const [rows] = await stack.pool.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM notifications WHERE booking_id = ? AND type = 'booking.cancelled'",
        [booking.id],
      );
      return Number(rows[0]?.n);
    };
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await cancelledNotifications()) === 0)
      await new Promise((r) => setTimeout(r, 200));
    expect(await cancelledNotifications()).toBe(1);
    const mine = await get(`${stack.notifications.url}/notifications?bookingId=${booking.id}`, customer.auth);
    expect((mine.body as { data: { type: string }[] }).data.map((n) => n.type).sort()).toEqual([
      'booking.cancelled',
      'booking.confirmed',
    ]);
  });
});
