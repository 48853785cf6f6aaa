import { confirmedPayload, insertEvent, notificationRows, publisher, waitFor } from './support/fixtures';
import { createTestApp, type TestApp } from './support/test-app';

// A notification says what the event is called and when it starts as of when it is made: an event PATCHed
// (its 200 answered) before a booking's message is handled is named as changed, however recently an earlier
// notification named it.
let t: TestApp;
let pub: Awaited<ReturnType<typeof publisher>>;
beforeAll(async () => {
  pub = await publisher();
  t = createTestApp();
  await t.nats.firstConnect;
});
afterAll(async () => {
  await t.close();
  await pub.close();
});

async function notified(eventId: string): Promise<string> {
  const payload = confirmedPayload({ eventId, quantity: 1 });
  await pub.publishJs('bookings.confirmed', payload, `${payload.bookingId}.confirmed`);
  expect(await waitFor(async () => (await notificationRows(t.pool, payload.bookingId)).length === 1)).toBe(true);
  return String((await notificationRows(t.pool, payload.bookingId))[0]?.message);
}

test('when an event is renamed and moved after a booking was notified, then the next booking is notified with the new name and date', async () => {
  const eventId = await insertEvent(t.pool, 10, 'Jazz Night');
  expect(await notified(eventId)).toBe(
    'Your booking of 1 seat for "Jazz Night" on 2099-06-01T19:30:00.000Z is confirmed.',
  );

  // PATCH /events/:id as event-service commits it, before its 200.
  await t.pool.query('UPDATE events SET name = ?, starts_at = ?, updated_at = ? WHERE id = ?', [
    'Late Jazz Night',
    new Date('2099-06-02T21:00:00Z'),
    new Date(),
    eventId,
  ]);

  expect(await notified(eventId)).toBe(
    'Your booking of 1 seat for "Late Jazz Night" on 2099-06-02T21:00:00.000Z is confirmed.',
  );
});
