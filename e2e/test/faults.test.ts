import type { attempt } from './support/http';
import {
  bookAs,
  bookingIdOf,
  bookingRows,
  type Customer,
  createEvent,
  createUser,
  rush,
  seatsOf,
  statusOf,
  waitAllNotified,
} from './support/scenario';
import { type Stack, startStack } from './support/stack';

let stack: Stack;
let users: Customer[];
beforeAll(async () => {
  stack = await startStack();
  users = await Promise.all(Array.from({ length: 10 }, () => createUser(stack)));
});
afterAll(async () => {
  await stack?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Books one seat at a time in a loop, alternating replicas, until stopped; returns every result. */
function steadyBookings(eventId: string) {
  let stop = false;
  const results: Array<Awaited<ReturnType<typeof attempt>>> = [];
  const done = (async () => {
    for (let i = 0; !stop && i < 2_000; i++) {
      const replica = stack.bookings[i % 2];
      if (!replica?.running) continue;
      results.push(await bookAs(replica.url, users[i % users.length] as Customer, eventId));
      await sleep(10);
    }
  })();
  return {
    results,
    finish: async () => {
      stop = true;
      await done;
      return results;
    },
  };
}

function expectEveryBookingNotifiedOnce(counts: Map<string, number>, expected: number) {
  expect(counts.size).toBe(expected);
  expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
}

describe('faults', () => {
  test('when NATS is killed and restarted during bookings, then bookings go on and every one is notified once', async () => {
    const eventId = await createEvent(stack, 1000);
    const load = steadyBookings(eventId);
    await sleep(500);
    await stack.nats.stop('SIGKILL');
    await sleep(1_500);
    await stack.restart(stack.nats);
    await sleep(1_000);
    const results = await load.finish();

    expect(results.map(statusOf).every((s) => s === 201)).toBe(true); // NATS down never fails a booking
    const rows = await bookingRows(stack, eventId);
    expect(rows).toHaveLength(results.length);
    expectEveryBookingNotifiedOnce(await waitAllNotified(stack, eventId, 45_000), rows.length);
  });

  test('when notification-service is killed and restarted, then every booking is notified once', async () => {
    const eventId = await createEvent(stack, 1000);
    const load = steadyBookings(eventId);
    await sleep(500);
    await stack.notifications.stop('SIGKILL');
    await sleep(1_000);
    await stack.restart(stack.notifications);
    await sleep(500);
    const results = await load.finish();

    expect(results.map(statusOf).every((s) => s === 201)).toBe(true);
    const rows = await bookingRows(stack, eventId);
    expectEveryBookingNotifiedOnce(await waitAllNotified(stack, eventId, 45_000), rows.length);
  });

  test('when a booking replica is SIGKILLed in the middle of a rush, then nothing is oversold and every 201 is booked and notified', async () => {
    const eventId = await createEvent(stack, 150);
    const rushing = rush(stack, eventId, users, 400);
    await sleep(30);
    await stack.bookings[0].stop('SIGKILL');
    const results = await rushing;
    await stack.restart(stack.bookings[0]);

    const statuses = results.map(statusOf);
    // Only three outcomes: booked, sold out, or the connection died with the killed replica.
    expect(statuses.every((s) => s === 201 || s === 409 || typeof s === 'string')).toBe(true);
    expect(statuses.some((s) => typeof s === 'number' && s >= 500)).toBe(false);

    const rows = await bookingRows(stack, eventId);
    const seats = await seatsOf(stack, eventId);
    expect(rows.reduce((sum, r) => sum + r.quantity, 0)).toBe(seats.total - seats.available);
    expect(seats.available).toBeGreaterThanOrEqual(0);
    const rowIds = new Set(rows.map((r) => r.id));
    const confirmed = results.map(bookingIdOf).filter((id): id is string => id !== undefined);
    expect(confirmed.filter((id) => !rowIds.has(id))).toEqual([]);
    // Every booking row, including any whose 201 was lost with the process, gets its notification.
    expectEveryBookingNotifiedOnce(await waitAllNotified(stack, eventId, 45_000), rows.length);
  });

  test('when a replica gets SIGTERM under load, then every request it accepted completes normally and it exits 0', async () => {
    const eventId = await createEvent(stack, 10_000);
    const replica = stack.bookings[1];
    const sent = Array.from({ length: 300 }, (_, i) =>
      bookAs(replica.url, users[i % users.length] as Customer, eventId),
    );
    await sleep(50);
    const exitCode = replica.stop('SIGTERM');
    const results = await Promise.all(sent);
    expect(await exitCode).toBe(0);
    await stack.restart(replica);

    const statuses = results.map(statusOf);
    // Accepted requests answer 201; the rest were refused before being accepted (never half-done).
    expect(statuses.every((s) => s === 201 || s === 'ECONNREFUSED' || s === 'ECONNRESET')).toBe(true);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(0);
    const rows = await bookingRows(stack, eventId);
    // Every booking that exists was answered 201: no accepted request was dropped.
    expect(rows).toHaveLength(statuses.filter((s) => s === 201).length);
    expectEveryBookingNotifiedOnce(await waitAllNotified(stack, eventId, 45_000), rows.length);
  });
});
