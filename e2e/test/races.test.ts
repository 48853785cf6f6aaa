import { get } from './support/http';
import {
  bookingIdOf,
  bookingRows,
  createEvent,
  createUser,
  rush,
  seatsOf,
  statusOf,
  waitAllNotified,
} from './support/scenario';
import { type Stack, startStack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('races across two booking replicas', () => {
  test('when 100 bookings race for 1 seat, then exactly one 201 and 99 SOLD_OUT', async () => {
    const eventId = await createEvent(stack, 1);
    const users = await Promise.all(Array.from({ length: 10 }, () => createUser(stack)));
    const results = await rush(stack, eventId, users, 100);
    const statuses = results.map(statusOf);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    for (const r of results) {
      if ('status' in r && r.status === 409)
        expect((r.body as { error: { code: string } }).error.code).toBe('SOLD_OUT');
    }
    expect(await seatsOf(stack, eventId)).toEqual({ total: 1, available: 0 });
    const event = await get(`${stack.events.url}/events/${eventId}`);
    expect((event.body as { availableSeats: number }).availableSeats).toBe(0);
  });

  test('when 1000 bookings race for 100 seats, then exactly 100 are sold and each booking is notified exactly once', async () => {
    const eventId = await createEvent(stack, 100);
    const users = await Promise.all(Array.from({ length: 20 }, () => createUser(stack)));
    const results = await rush(stack, eventId, users, 1000);
    const statuses = results.map(statusOf);
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    expect(statuses.filter((s) => s === 409)).toHaveLength(900);

    const rows = await bookingRows(stack, eventId);
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(results.map(bookingIdOf).filter(Boolean)));
    expect(await seatsOf(stack, eventId)).toEqual({ total: 100, available: 0 });

    const counts = await waitAllNotified(stack, eventId);
    expect(counts.size).toBe(100);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  test('when 2000 bookings arrive at once over two replicas at the default settings, then each gets 201 or 409, nothing is oversold and every booking is notified exactly once', async () => {
    const eventId = await createEvent(stack, 500);
    const users = await Promise.all(Array.from({ length: 40 }, () => createUser(stack)));
    const results = await rush(stack, eventId, users, 2000);
    const statuses = results.map(statusOf);
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    expect(statuses.filter((s) => s === 201)).toHaveLength(500);

    const rows = await bookingRows(stack, eventId);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(results.map(bookingIdOf).filter(Boolean)));
    expect(await seatsOf(stack, eventId)).toEqual({ total: 500, available: 0 });

    const counts = await waitAllNotified(stack, eventId, 60_000);
    expect(counts.size).toBe(500);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});
